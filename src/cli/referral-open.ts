/**
 * `npm run referral:open -- referral-QDM-….qadam --key lawyer.key [--verify <verify key>] [--lang ru] [--json]`
 * Verifies the bot's signature and prints the dossier as a readable document in the lawyer's
 * language, or as JSON. Everything happens on the lawyer's machine; nothing is sent anywhere.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import sodium from "libsodium-wrappers";
import { explain } from "../lawyer/explain.js";
import { parseDossier, renderDossierText } from "../referrals/dossier.js";
import { open, parseEnvelope } from "../referrals/envelope.js";
import { fingerprint, parseKeyFile, pastedKey } from "../referrals/keys.js";
import { lawyerT } from "./lawyer-i18n.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point: they are shown as escapes, never sent to the terminal.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: "string" }, verify: { type: "string" }, lang: { type: "string" }, json: { type: "boolean", default: false } },
});
const file = positionals[0];
if (!file || !values.key) {
  console.error(
    "Usage: npm run referral:open -- <referral.qadam> --key <your.key> [--verify <Qadam verify key>] [--lang ru|kk|uz-Latn|uz-Cyrl|en] [--json]",
  );
  process.exit(2);
}
await sodium.ready;
const { t, lang } = lawyerT(values.lang);
try {
  const key = parseKeyFile(readFileSync(values.key, "utf8"));
  const envelope = parseEnvelope(readFileSync(file, "utf8"));
  const opened = open(envelope, key, values.verify ? pastedKey(values.verify) : undefined);
  const dossier = parseDossier(opened.plaintext);
  if (values.json) console.log(terminalSafe(JSON.stringify(dossier, null, 2)));
  else {
    // The signature check comes first, so no text inside the dossier can pass for it.
    console.log(
      `${t("lawyer:page.signed", { fingerprint: fingerprint(opened.signer) })} ${t(values.verify ? "lawyer:page.matches" : "lawyer:page.compare")}`,
    );
    if (opened.via === "grant") console.log(t("lawyer:page.granted"));
    console.log(`\n${terminalSafe(renderDossierText(dossier, lang))}`);
  }
} catch (e) {
  console.error(explain(e, t));
  process.exit(1);
}

/**
 * The answers are the person's own text: a terminal must show them, not obey them. Control
 * characters (escape sequences) and bidirectional overrides are shown as \uXXXX instead.
 */
function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
