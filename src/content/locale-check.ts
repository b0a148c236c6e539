/**
 * Checks the locales against the flows and the code, so that no person ever sees a missing key,
 * a blank message, a broken placeholder or HTML that Telegram refuses:
 * - every key a flow needs exists and is non-empty in all five languages, with the context
 *   variant (e.g. `_family`) wherever a node speaks about the person concerned;
 * - every language has the same keys as English, and exactly the plural forms its own grammar
 *   needs (Russian: one, few, many, other) wherever English has a plural;
 * - `{{placeholders}}` are the same in every language;
 * - every text is valid Telegram HTML;
 * - no key is unused (a flow namespace by its nodes, any other namespace by the code in src/);
 * - every locale states its review state in `_meta.json`;
 * - every button label fits a phone: at most {@link BUTTON_MAX} characters (see {@link buttonProblems}).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { didYouMean, type FlowSet, isQuestion, optionsOf, type Problem } from "../flow/model.js";
import { LANGS, type LocaleData } from "../i18n/index.js";
import type { CardSet } from "../rights/model.js";
import { parseTelegramHtml } from "../telegram/html.js";
import type { UrgencyRule } from "../triage/rules.js";

const PLURAL = /_(zero|one|two|few|many|other)$/;

export function flatten(obj: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = obj;
  return out;
}

/** Every `ns:key` → value of one language. */
function flatLang(data: LocaleData, lang: string): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [ns, json] of Object.entries(data[lang] ?? {})) for (const [k, v] of Object.entries(flatten(json))) m.set(`${ns}:${k}`, v);
  return m;
}

const placeholders = (s: string) => new Set([...s.matchAll(/\{\{\s*-?\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? ""));
const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const pluralForms = (lang: string) => new Intl.PluralRules(lang).resolvedOptions().pluralCategories as string[];

/** Keys the flows and cards need: texts, their context variants, help texts, option labels, card texts. */
export function flowKeys(set: FlowSet, cards: CardSet, urgency: readonly UrgencyRule[] = []): Map<string, string> {
  const keys = new Map<string, string>(); // key → where it is needed
  for (const n of set.nodes.values()) {
    if (n.type === "route") continue;
    const at = `${n.file} › nodes.${n.id}`;
    keys.set(n.textKey, at);
    if (n.type === "multi" && n.summaryKey) keys.set(n.summaryKey, `${at} (summary)`);
    if (n.aboutPerson) for (const c of set.contexts) keys.set(`${n.textKey}_${c}`, `${at} (about_person, context "${c}")`);
    for (const h of n.help ?? []) keys.set(h.key, at);
    for (const o of optionsOf(n)) keys.set(o.labelKey, `${at}.options.${o.id}`);
    // The short label a lawyer reads beside the answer in a referral.
    if (isQuestion(n)) keys.set(`${n.flow}:${n.id}.lawyer`, `${at} (the lawyer's label)`);
    // The short label that names the question on its "change" button (/mydata, the review screen).
    if (isQuestion(n)) keys.set(`${n.flow}:${n.id}.short`, `${at} (the short label on its change button)`);
  }
  for (const c of cards.cards) {
    const at = `${c.file} › cards (${c.id})`;
    keys.set(c.titleKey, at);
    for (const p of c.parts) keys.set(p.key, at);
    for (const s of c.cite) keys.set(s.labelKey, `${at}.cite`);
    // The card's line in the plan, and, where a deadline may be running, the line with it first.
    keys.set(`rights:${c.id}.step`, `${at} (its step in the plan)`);
    if (c.deadline) keys.set(`rights:${c.id}.step_deadline`, `${at} (its step, deadline first)`);
  }
  for (const r of urgency) keys.set(`staff:urgency.${r.id}`, `flows/triage.yaml › rules (${r.id})`);
  // Each flow is a part of the interview ("Part 2 of 4 · The case"), named in its own namespace.
  for (const f of set.flows.values()) keys.set(`${f.id}:part`, `${f.file} (the part's name, shown above each question)`);
  // The first screen has a neutral variant (PERSONA=neutral) that says nothing of who Qadam is for.
  const entry = set.nodes.get(set.entry);
  if (entry) keys.set(`${entry.textKey}_neutral`, `${entry.file} › nodes.${entry.id} (the neutral persona's first screen)`);
  return keys;
}

/** Keys (or key prefixes ending in ".") that the code refers to as `ns:key` literals. */
export function codeKeys(srcDir: string): { exact: Set<string>; prefixes: string[] } {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const visit = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) visit(p);
      // .ts from source; .js where it runs built (dist/ in the image): tsc keeps the string literals.
      else if (p.endsWith(".ts") || p.endsWith(".js")) {
        for (const m of readFileSync(p, "utf8").matchAll(/["'`]([a-z][\w-]*:[\w.]+?)(\$\{|["'`])/g)) {
          if (m[2] === "${") prefixes.push(m[1] ?? "");
          else exact.add(m[1] ?? "");
        }
      }
    }
  };
  visit(srcDir);
  return { exact, prefixes };
}

/**
 * The longest button label, in characters, that a phone shows on one line without cutting it
 * (Telegram ends a longer label with "…"). Labels put the key word first, and the question (or
 * its help text) carries any nuance a short label cannot.
 */
export const BUTTON_MAX = 30;
/**
 * A multi-choice option is shown ticked or not, as "✅ label" or "▫️ label" (src/bot/keyboards.ts):
 * the mark and its space take two places on screen, so those labels may have two characters fewer.
 * (The "▫️" mark is two code points, the white square and an invisible variation selector; it is
 * counted as what a person sees, one character, plus the space.)
 */
export const MARK_WIDTH = 2;

/**
 * Keys the code shows as buttons besides the flows' option labels, written out in full so the
 * unused-key check sees them; a key ending in "." stands for every key under it.
 */
export const BUTTON_KEYS = [
  "common:buttons.",
  "common:language.names.",
  "common:resume.continue",
  "common:resume.restart",
  "common:resume.delete",
  "common:wipe.offer",
  "common:wipe.yes",
  "common:wipe.no",
  "common:delete.yes",
  "common:delete.no",
  "common:restart.yes",
  "common:restart.no",
  "referral:again.yes",
  "referral:again.no",
  "referral:relay.reply",
  "staff:buttons.",
  "staff:close.",
  "staff:decline.",
  "staff:lawyer.accept",
  "staff:lawyer.decline",
] as const;

/** The "change" button of /mydata and the review screen: "✏ {{n}} · {{label}}", the label being the question's `.short`. */
const CHANGE_KEY = "common:buttons.change";

/** A label as a phone shows it: no HTML, a placeholder as a two-digit number (e.g. "✏ Change 12"). */
const shown = (s: string) =>
  s
    .replace(/<[^>]+>/g, "")
    .replace(/&[a-z#0-9]+;/gi, "&")
    .replace(/\{\{[^}]*\}\}/g, "12");

/**
 * Every button label longer than a phone shows, in every language: each problem names the
 * language's file and key, the node and option that use it, the label and its length.
 */
export function buttonProblems(set: FlowSet, data: LocaleData, localesDir: string): Problem[] {
  const problems: Problem[] = [];
  const buttons = new Map<string, { where: string; mark: boolean }>();
  for (const n of set.nodes.values())
    for (const o of optionsOf(n)) buttons.set(o.labelKey, { where: `${n.file} › nodes.${n.id}.options.${o.id}`, mark: n.type === "multi" });
  const en = flatLang(data, "en");
  for (const key of en.keys())
    if (!PLURAL.test(key) && BUTTON_KEYS.some((b) => (b.endsWith(".") ? key.startsWith(b) : key === b)) && !buttons.has(key))
      buttons.set(key, { where: "a button of the bot", mark: false });
  for (const lang of LANGS) {
    const here = flatLang(data, lang);
    for (const [key, { where, mark }] of buttons) {
      const value = here.get(key);
      if (typeof value !== "string") continue; // reported as missing elsewhere
      const label = shown(value);
      const max = BUTTON_MAX - (mark ? MARK_WIDTH : 0);
      const length = [...label].length;
      if (length > max)
        problems.push({
          file: `${localesDir}/${lang}/${key.split(":")[0]}.json`,
          where: key,
          message: `the button label is ${length} characters in ${lang}, over ${max}${mark ? ` (${BUTTON_MAX} less the ✅/▫️ mark of a multi-choice option)` : ""}, so a phone cuts it: "${label}" (${where}). Shorten it, key word first`,
        });
    }
    // A question's "change" button carries its short label: "✏ 32 · Release date" must fit too.
    const change = here.get(CHANGE_KEY);
    if (typeof change === "string")
      for (const n of set.nodes.values()) {
        if (!isQuestion(n)) continue;
        const key = `${n.flow}:${n.id}.short`;
        const short = here.get(key);
        if (typeof short !== "string") continue; // reported as missing elsewhere
        const label = shown(change.replace(/\{\{\s*label\s*\}\}/g, short).replace(/\{\{\s*n\s*\}\}/g, "32"));
        const length = [...label].length;
        if (length > BUTTON_MAX)
          problems.push({
            file: `${localesDir}/${lang}/${n.flow}.json`,
            where: key,
            message: `the change button is ${length} characters in ${lang}, over ${BUTTON_MAX}, so a phone cuts it: "${label}" (${n.file} › nodes.${n.id}). Shorten the short label, key word first`,
          });
      }
  }
  return problems;
}

export function localeProblems(
  set: FlowSet,
  cards: CardSet,
  data: LocaleData,
  opts: { localesDir: string; srcDir?: string; urgency?: readonly UrgencyRule[] },
): Problem[] {
  const problems: Problem[] = [];
  const file = (lang: string, key: string) => `${opts.localesDir}/${lang}/${key.split(":")[0]}.json`;
  const en = flatLang(data, "en");
  // Keys the flows need: a missing one is told once, with what needs it.
  const needed = flowKeys(set, cards, opts.urgency);
  const enBases = new Set<string>();
  for (const k of en.keys()) if (PLURAL.test(k)) enBases.add(k.replace(PLURAL, ""));

  for (const lang of LANGS) {
    const meta = join(opts.localesDir, lang, "_meta.json");
    if (!existsSync(meta)) problems.push({ file: meta, where: "", message: "missing: every locale states its review state" });
    else {
      try {
        const m = JSON.parse(readFileSync(meta, "utf8")) as { review?: { state?: unknown } };
        if (typeof m.review?.state !== "string") problems.push({ file: meta, where: "review.state", message: "must say the review state" });
      } catch {
        problems.push({ file: meta, where: "", message: "not valid JSON" });
      }
    }
    if (!data[lang]) {
      problems.push({ file: `${opts.localesDir}/${lang}/`, where: "", message: "the locale is missing" });
      continue;
    }
    const here = flatLang(data, lang);
    for (const [key, value] of here) {
      if (typeof value !== "string") problems.push({ file: file(lang, key), where: key, message: "must be a string" });
      else if (!value.trim()) problems.push({ file: file(lang, key), where: key, message: "is empty" });
      else {
        const html = parseTelegramHtml(value);
        if ("error" in html) problems.push({ file: file(lang, key), where: key, message: `Telegram would refuse it: ${html.error}` });
      }
      if (PLURAL.test(key)) continue;
      if (!en.has(key))
        problems.push({
          file: file(lang, key),
          where: key,
          message: `is not in English (en): remove it or add it there${didYouMean(
            key,
            [...en.keys()].filter((k) => !here.has(k)),
          )}`,
        });
    }
    for (const key of en.keys()) {
      if (PLURAL.test(key)) continue;
      if (!here.has(key)) {
        const by = needed.get(key);
        problems.push({ file: file(lang, key), where: key, message: by ? `is missing; needed by ${by}` : "is missing" });
      } else if (typeof here.get(key) === "string" && !same(placeholders(here.get(key) as string), placeholders(en.get(key) as string))) {
        problems.push({
          file: file(lang, key),
          where: key,
          message: `placeholders differ from English: ${[...placeholders(en.get(key) as string)].join(", ") || "none"}`,
        });
      }
    }
    for (const base of enBases) {
      const need = pluralForms(lang);
      const have = [...here.keys()].filter((k) => PLURAL.test(k) && k.replace(PLURAL, "") === base).map((k) => PLURAL.exec(k)?.[1] ?? "");
      const missing = need.filter((f) => !have.includes(f));
      const extra = have.filter((f) => !need.includes(f));
      if (missing.length)
        problems.push({
          file: file(lang, base),
          where: base,
          message: `needs the plural form(s) ${missing.map((f) => `${base}_${f}`).join(", ")}`,
        });
      if (extra.length)
        problems.push({ file: file(lang, base), where: base, message: `has plural form(s) ${lang} does not use: ${extra.join(", ")}` });
      const enVars = new Set(
        [...en.entries()]
          .filter(([k]) => k.replace(PLURAL, "") === base && PLURAL.test(k))
          .flatMap(([, v]) => [...placeholders(String(v))]),
      );
      for (const f of have) {
        const v = placeholders(String(here.get(`${base}_${f}`)));
        if (![...v].every((x) => enVars.has(x)))
          problems.push({
            file: file(lang, base),
            where: `${base}_${f}`,
            message: `placeholders differ from English: ${[...enVars].join(", ")}`,
          });
      }
    }
  }

  // Keys the flows need that English lacks too (a key English has is judged above, in every language).
  const byLang = new Map(LANGS.map((lang) => [lang, flatLang(data, lang)]));
  for (const [key, where] of needed) {
    if (en.has(key)) continue;
    // A key no language has is likely a typo (in the flow or in the locales): name the nearest unneeded key.
    const typo = didYouMean(
      key,
      [...en.keys()].filter((k) => !needed.has(k)),
    );
    for (const lang of LANGS) {
      const v = byLang.get(lang)?.get(key);
      if (typeof v !== "string" || !v.trim())
        problems.push({ file: file(lang, key), where: key, message: `is missing or empty; needed by ${where}${typo}` });
    }
  }

  problems.push(...buttonProblems(set, data, opts.localesDir));

  // Unused keys, judged in English (a check for CI; a running bot is not harmed by them).
  if (!opts.srcDir) return problems;
  const code = codeKeys(opts.srcDir);
  for (const key of en.keys()) {
    const base = key.replace(PLURAL, "");
    // A flow's namespace may also hold texts the code uses around that flow (e.g. the receipt).
    const used = needed.has(key) || code.exact.has(base) || code.prefixes.some((p) => base.startsWith(p));
    if (!used)
      problems.push({
        file: file("en", key),
        where: key,
        message: `is not used by any flow or code: remove it${didYouMean(
          key,
          [...needed.keys()].filter((k) => !en.has(k)),
        )}`,
      });
  }
  return problems;
}
