/**
 * The offline page for lawyers (built into one HTML file by `npm run lawyer:page`): choose the
 * `.qadam` file and your key file, and read the dossier. libsodium, the envelope code and the
 * texts are bundled in; the page makes no network request, so it works from a USB stick.
 */
import i18next from "i18next";
import sodium from "libsodium-wrappers";
import { parseDossier, renderDossier, visible } from "../referrals/dossier.js";
import { ENVELOPE_FORMAT, open, parseEnvelope } from "../referrals/envelope.js";
import { fingerprint, parseKeyFile, pastedKey } from "../referrals/keys.js";
import { explain } from "./explain.js";

declare const QADAM_LOCALES: Record<string, { lawyer: Record<string, unknown> }>;
/** The NGO's verify key, built in by `lawyer:page --verify KEY` ("" when it was not). */
declare const QADAM_VERIFY_KEY: string;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const readText = (input: HTMLInputElement) => input.files?.[0]?.text() ?? Promise.resolve("");

/** The `type` or `format` a JSON file says it is, if it is JSON at all. */
function kindOf(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { type?: unknown; format?: unknown };
    return typeof j.format === "string" ? j.format : typeof j.type === "string" ? j.type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with the two files chosen before any cryptography: one missing, or the two the
 * wrong way round (a common slip with two file fields), said as such rather than as "not a
 * referral file".
 */
function choiceProblem(referral: string, key: string): string | undefined {
  if (!referral.trim()) return "lawyer:page.choose_referral";
  if (!key.trim()) return "lawyer:page.choose_key";
  if (kindOf(referral) === "qadam-box-key" && kindOf(key) === ENVELOPE_FORMAT) return "lawyer:page.swapped";
  return undefined;
}

async function main(): Promise<void> {
  await sodium.ready;
  const i18n = i18next.createInstance();
  await i18n.init({
    resources: QADAM_LOCALES,
    fallbackLng: "en",
    ns: ["lawyer"],
    defaultNS: "lawyer",
    interpolation: { escapeValue: false },
  });
  const select = $<HTMLSelectElement>("lang");
  const browser = navigator.language.toLowerCase();
  select.value = browser.startsWith("kk") ? "kk" : browser.startsWith("uz") ? "uz-Latn" : browser.startsWith("ru") ? "ru" : "en";
  const label = () => {
    const t = i18n.getFixedT(select.value);
    document.title = t("lawyer:page.title") as string;
    for (const el of document.querySelectorAll<HTMLElement>("[data-t]")) el.textContent = t(`lawyer:page.${el.dataset["t"]}`) as string;
  };
  select.addEventListener("change", label);
  label();

  if (QADAM_VERIFY_KEY) {
    const input = $<HTMLInputElement>("verify");
    input.value = QADAM_VERIFY_KEY;
    input.readOnly = true;
  }
  $("open").addEventListener("click", () => void openReferral(i18n.getFixedT(select.value), select.value));
}

async function openReferral(t: ReturnType<typeof i18next.getFixedT>, lang: string): Promise<void> {
  const out = $("result");
  const error = $("error");
  out.replaceChildren();
  error.textContent = "";
  try {
    const [referralText, keyText] = await Promise.all([
      readText($<HTMLInputElement>("referral")),
      readText($<HTMLInputElement>("keyfile")),
    ]);
    const problem = choiceProblem(referralText, keyText);
    if (problem) {
      error.textContent = t(problem) as string;
      return;
    }
    const key = parseKeyFile(keyText);
    const envelope = parseEnvelope(referralText);
    const verify = $<HTMLInputElement>("verify").value.trim();
    // Without the NGO's verify key, anyone with this lawyer's public key could have made the file.
    if (!verify && !$<HTMLInputElement>("unverified").checked) {
      error.textContent = t("lawyer:page.no_verify") as string;
      return;
    }
    const opened = open(envelope, key, verify ? pastedKey(verify) : undefined);
    const doc = renderDossier(parseDossier(opened.plaintext), lang);
    const h = document.createElement("h2");
    h.textContent = doc.title;
    out.append(h);
    for (const s of doc.sections) {
      const h3 = document.createElement("h3");
      h3.textContent = s.heading;
      const pre = document.createElement("p");
      pre.className = "lines";
      pre.textContent = visible(s.lines.join("\n"));
      out.append(h3, pre);
    }
    const sig = document.createElement("p");
    sig.className = "sig";
    sig.textContent = [
      t("lawyer:page.signed", { fingerprint: fingerprint(opened.signer) }),
      verify ? t("lawyer:page.matches") : t("lawyer:page.unverified"),
      opened.via === "grant" ? t("lawyer:page.granted") : "",
    ].join(" ");
    // Above the dossier: text inside the dossier can never pass for the signature check.
    out.prepend(sig);
    // Printing keeps the dossier and the signature line, not the form (see the print stylesheet).
    const print = document.createElement("button");
    print.type = "button";
    print.id = "print";
    print.className = "no-print";
    print.textContent = t("lawyer:page.print") as string;
    print.addEventListener("click", () => window.print());
    out.prepend(print);
  } catch (e) {
    error.textContent = explain(e, t);
  }
}

void main();
