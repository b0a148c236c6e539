/**
 * `npm run referral:open -- referral-QDM-….qadam --key lawyer.key [--verify <verify key>] [--lang ru] [--json]`
 * Verifies the bot's signature and prints the dossier as a readable document in the lawyer's
 * language, or as JSON. Everything happens on the lawyer's machine; nothing is sent anywhere.
 */
import { readFileSync } from "node:fs";
import sodium from "libsodium-wrappers";
import { explain } from "../lawyer/explain.js";
import { parseDossier, renderDossierText, visible } from "../referrals/dossier.js";
import { open, parseEnvelope } from "../referrals/envelope.js";
import { fingerprint, parseKeyFile, pastedKey } from "../referrals/keys.js";
import { toolArgs } from "./args.js";
import { lawyerT } from "./lawyer-i18n.js";

const USAGE =
  "Usage: npm run referral:open -- <referral.qadam> --key <your.key> --verify <Qadam verify key> [--lang ru|kk|uz-Latn|uz-Cyrl|en] [--json] [--unverified]";
const { values, positionals } = toolArgs(
  {
    allowPositionals: true,
    options: {
      key: { type: "string" },
      verify: { type: "string" },
      unverified: { type: "boolean", default: false },
      lang: { type: "string" },
      json: { type: "boolean", default: false },
    },
  },
  USAGE,
);
const file = positionals[0];
if (!file || !values.key) {
  console.error(USAGE);
  process.exit(2);
}
await sodium.ready;
const { t, lang } = lawyerT(values.lang);
// Who signed is checked by default: without the NGO's verify key, anyone who has this lawyer's
// public key could have made the file. Opening without it is an explicit, named risk.
const verify = values.verify ?? process.env["QADAM_VERIFY_KEY"];
if (!verify && !values.unverified) {
  console.error(t("lawyer:cli.no_verify"));
  process.exit(2);
}
try {
  const key = parseKeyFile(readFileSync(values.key, "utf8"));
  const envelope = parseEnvelope(readFileSync(file, "utf8"));
  const opened = open(envelope, key, verify ? pastedKey(verify) : undefined);
  const dossier = parseDossier(opened.plaintext);
  if (values.json) console.log(visible(JSON.stringify(dossier, null, 2)));
  else {
    // The signature check comes first, so no text inside the dossier can pass for it.
    console.log(
      `${t("lawyer:page.signed", { fingerprint: fingerprint(opened.signer) })} ${t(verify ? "lawyer:page.matches" : "lawyer:page.unverified")}`,
    );
    if (opened.via === "grant") console.log(t("lawyer:page.granted"));
    console.log(`\n${visible(renderDossierText(dossier, lang))}`);
  }
} catch (e) {
  console.error(explain(e, t));
  process.exit(1);
}
