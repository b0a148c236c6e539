/**
 * `npm run keys:new -- --out lawyer.key`: a new X25519 key pair for a partner lawyer or the triage
 * desk. The secret key file is written with mode 0600 and never leaves the lawyer's machine; the
 * public key goes into the partners file, and the fingerprint is read aloud to the NGO by phone
 * so both sides know the key was not swapped on the way.
 */
import { renameSync, writeFileSync } from "node:fs";
import sodium from "libsodium-wrappers";
import { fingerprint, fromB64, keyId, newBoxKeyFile } from "../referrals/keys.js";
import { toolArgs } from "./args.js";

const { values } = toolArgs(
  { options: { out: { type: "string" }, force: { type: "boolean", default: false } } },
  "Usage: npm run keys:new -- --out <lawyer.key> [--force]",
);
if (!values.out) {
  console.error("keys:new: say where to write the secret key: npm run keys:new -- --out lawyer.key");
  process.exit(2);
}
await sodium.ready;
const file = newBoxKeyFile();
const text = `${JSON.stringify(file, null, 2)}\n`;
// Always a new file ("wx"), created 0600: an existing file's looser mode, or a symlink planted at
// the path, can never receive the secret. --force writes a new file beside it and renames it over.
try {
  if (values.force) {
    const fresh = `${values.out}.${process.pid}.new`;
    writeFileSync(fresh, text, { mode: 0o600, flag: "wx" });
    renameSync(fresh, values.out);
  } else writeFileSync(values.out, text, { mode: 0o600, flag: "wx" });
} catch (e) {
  if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  console.error(`keys:new: ${values.out} exists; not overwriting a key (use --force if you really mean it).`);
  process.exit(2);
}
const pk = fromB64(file.publicKey);
console.log(`Secret key written to ${values.out} (only you can read it; keep it safe, never send it).`);
console.log(`public_key:  ${file.publicKey}`);
console.log(`key id:      ${keyId(pk)}`);
console.log(`fingerprint: ${fingerprint(pk)}`);
