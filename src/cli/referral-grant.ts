/**
 * `npm run referral:grant -- referral-QDM-….qadam --key triage.key --verify <Qadam verify key> --to <lawyer public key> --name <partner id> [--out file]`
 * Triage staff, offline, with the triage secret key: seals the referral's data key to a lawyer
 * who was not an original recipient and writes the envelope with the grant attached. The server
 * never sees plaintext: the bot (or staff) delivers the granted file to the new lawyer.
 */
import { readFileSync, writeFileSync } from "node:fs";
import sodium from "libsodium-wrappers";
import { explain } from "../lawyer/explain.js";
import { grant, parseEnvelope, withGrant } from "../referrals/envelope.js";
import { fingerprint, fromB64, parseKeyFile, publicKey32 } from "../referrals/keys.js";
import { toolArgs } from "./args.js";
import { lawyerT } from "./lawyer-i18n.js";

const USAGE =
  "Usage: npm run referral:grant -- <referral.qadam> --key <triage.key> --verify <Qadam verify key> --to <lawyer public key> --name <partner id> [--out <file>]\n" +
  "The verify key is the one the NGO publishes (npm run keys:signing -- --show prints it where SIGNING_KEY is set).";
const { values, positionals } = toolArgs(
  {
    allowPositionals: true,
    options: {
      key: { type: "string" },
      verify: { type: "string" },
      to: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
    },
  },
  USAGE,
);
const file = positionals[0];
if (!file || !values.key || !values.verify || !values.to || !values.name) {
  console.error(USAGE);
  process.exit(2);
}
await sodium.ready;
try {
  if (!publicKey32.safeParse(values.to).success) throw new Error("--to must be the lawyer's public key: 43 base64url characters.");
  if (!publicKey32.safeParse(values.verify).success) throw new Error("--verify must be Qadam's verify key: 43 base64url characters.");
  const triage = parseKeyFile(readFileSync(values.key, "utf8"));
  const envelope = parseEnvelope(readFileSync(file, "utf8"));
  const to = fromB64(values.to);
  const g = grant(envelope, triage, { name: values.name, publicKey: to }, new Date().toISOString(), fromB64(values.verify));
  const out = values.out ?? file.replace(/\.qadam$/, `.${values.name}.qadam`);
  writeFileSync(out, JSON.stringify(withGrant(envelope, g)), { mode: 0o600 });
  // Staff check that this is the case they meant to share, before the file leaves their machine.
  const h = envelope.header;
  console.log(
    `Referral ${h.code} (${h.country}, ${h.created.slice(0, 10)}): granted ${values.name} (fingerprint ${fingerprint(to)}); wrote ${out}.`,
  );
} catch (e) {
  console.error(explain(e, lawyerT(undefined).t));
  process.exit(1);
}
