/**
 * `npm run keys:new -- --out lawyer.key`: a new X25519 key pair for a partner lawyer or the triage
 * desk. The secret key file is written with mode 0600 and never leaves the lawyer's machine; the
 * public key goes into the partners file, and the fingerprint is read aloud to the NGO by phone
 * so both sides know the key was not swapped on the way.
 */
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import sodium from "libsodium-wrappers";
import { fingerprint, fromB64, keyId, newBoxKeyFile } from "../referrals/keys.js";

const { values } = parseArgs({ options: { out: { type: "string" }, force: { type: "boolean", default: false } } });
if (!values.out) {
  console.error("keys:new: say where to write the secret key: npm run keys:new -- --out lawyer.key");
  process.exit(2);
}
if (existsSync(values.out) && !values.force) {
  console.error(`keys:new: ${values.out} exists; not overwriting a key (use --force if you really mean it).`);
  process.exit(2);
}
await sodium.ready;
const file = newBoxKeyFile();
writeFileSync(values.out, JSON.stringify(file, null, 2) + "\n", { mode: 0o600 });
const pk = fromB64(file.publicKey);
console.log(`Secret key written to ${values.out} (only you can read it; keep it safe, never send it).`);
console.log(`public_key:  ${file.publicKey}`);
console.log(`key id:      ${keyId(pk)}`);
console.log(`fingerprint: ${fingerprint(pk)}`);
