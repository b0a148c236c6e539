/**
 * `npm run referral:open -- referral-QDM-….qadam --key lawyer.key [--verify <verify key>] [--lang ru] [--json]`
 * Verifies the bot's signature and prints the dossier as a readable document in the lawyer's
 * language, or as JSON. Everything happens on the lawyer's machine; nothing is sent anywhere.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import sodium from "libsodium-wrappers";
import { parseDossier, renderDossierText } from "../referrals/dossier.js";
import { open, OpenError, parseEnvelope } from "../referrals/envelope.js";
import { fingerprint, fromB64, parseKeyFile } from "../referrals/keys.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: "string" }, verify: { type: "string" }, lang: { type: "string" }, json: { type: "boolean", default: false } },
});
const file = positionals[0];
if (!file || !values.key) {
  console.error("Usage: npm run referral:open -- <referral.qadam> --key <your.key> [--verify <Qadam verify key>] [--lang ru|kk|uz-Latn|uz-Cyrl|en] [--json]");
  process.exit(2);
}
await sodium.ready;
try {
  const key = parseKeyFile(readFileSync(values.key, "utf8"));
  const envelope = parseEnvelope(readFileSync(file, "utf8"));
  const opened = open(envelope, key, values.verify ? fromB64(values.verify) : undefined);
  const dossier = parseDossier(opened.plaintext);
  if (values.json) console.log(JSON.stringify(dossier, null, 2));
  else {
    console.log(renderDossierText(dossier, values.lang));
    console.log(`\nSigned by Qadam key ${fingerprint(opened.signer)}${values.verify ? " (matches the key you gave)" : ": compare this fingerprint with the one the NGO published"}.`);
    if (opened.via === "grant") console.log("Opened with a grant from the triage desk.");
  }
} catch (e) {
  console.error(e instanceof OpenError || e instanceof Error ? e.message : String(e));
  process.exit(1);
}
