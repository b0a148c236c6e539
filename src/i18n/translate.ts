/**
 * Messages as the engine, the rights cards and the referrals describe them (an i18n key and its
 * parameters), and their translation into Telegram HTML. Translation happens at the edges (the
 * bot, the dossier), never inside flow/ or referrals/ logic: they only name what to say.
 */
import type { i18n, TFunction } from "i18next";
import { escapeHtml } from "../telegram/html.js";

/** A message to translate: an i18n key and its parameters. Raw strings in params are user text. */
export interface Msg {
  key: string;
  /** Strings are user text (escaped when shown); lists are joined with commas. */
  params?: Record<string, string | number | Msg | Msg[]>;
  context?: string;
}

/**
 * Values any text may ask for (e.g. {{retention}}), or a function that makes them: most texts ask
 * for none, so the bot passes a function and they are made only for a text that needs them (making
 * them for each of an update's texts was a fortieth of its CPU).
 */
export type Globals = Record<string, string> | (() => Record<string, string>);
const NO_GLOBALS: Record<string, string> = {};
const resolve = (g: Globals): Record<string, string> => (typeof g === "function" ? g() : g);

/**
 * Translates a message into Telegram HTML. Plain string params are the person's own text and get
 * escaped; nested messages are translated (already safe); `globals` are filled into any text that
 * asks for them (e.g. {{retention}}).
 */
export function translate(t: TFunction, msg: Msg | string, params?: Msg["params"], globals: Globals = NO_GLOBALS): string {
  const m: Msg = typeof msg === "string" ? { key: msg, ...(params ? { params } : {}) } : msg;
  // A parameter that i18next reads as an option (a count picks the plural form): i18next, always.
  if (m.params && hasOption(m.params)) return viaI18next(t, m, globals);
  const cache = cacheFor(t);
  const cacheKey = m.context ? `${m.key}\u0000${m.context}` : m.key;
  let entry = cache.get(cacheKey);
  if (entry === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    // The text as written, before anything is filled in (the key and context alone choose it,
    // unless a count picks a plural form: such texts go to i18next every time, see below).
    const raw = t(m.key, { ...(m.context ? { context: m.context } : {}), skipInterpolation: true }) as unknown;
    entry = typeof raw !== "string" ? FALLBACK : !raw.includes("{{") && !raw.includes("$t(") ? raw : compile(raw);
    cache.set(cacheKey, entry);
  }
  // Most texts have nothing to fill in: translated once per language and context, then kept.
  if (typeof entry === "string") return entry;
  // A text whose holes are all plain {{name}}: filled here, as i18next would fill them.
  if (entry !== FALLBACK) {
    let out = entry[0] ?? "";
    for (let i = 1; i < entry.length; i += 2) {
      const name = entry[i] as string;
      const v =
        m.params?.[name] !== undefined
          ? value(t, m.params[name], globals)
          : name === "context" && m.context
            ? m.context
            : resolve(globals)[name];
      // Not given: i18next leaves the hole as written (and may log it); let it.
      if (v === undefined) return viaI18next(t, m, globals);
      out += String(v) + entry[i + 1];
    }
    return out;
  }
  return viaI18next(t, m, globals);
}

/** A parameter as filled in: the person's text escaped, a nested message translated, a list joined. */
function value(t: TFunction, v: NonNullable<Msg["params"]>[string], globals: Globals): string | number {
  return typeof v === "number"
    ? v
    : typeof v === "string"
      ? escapeHtml(v)
      : Array.isArray(v)
        ? v.map((x) => translate(t, x, undefined, globals)).join(", ")
        : translate(t, v, undefined, globals);
}

function viaI18next(t: TFunction, m: Msg, globals: Globals): string {
  const values: Record<string, string | number> = { ...resolve(globals) };
  for (const [k, v] of Object.entries(m.params ?? {})) values[k] = value(t, v, globals);
  if (m.context) values["context"] = m.context;
  return t(m.key, values) as string;
}

/**
 * A text with holes, made once per language, key and context: literal, name, literal, … (odd
 * places are names). i18next's own interpolation built its options and ran its regular
 * expressions on every call, for the progress line of every question and the like. Only texts
 * whose every hole is a plain `{{name}}` and that nest nothing are filled here; anything else
 * (`$t(…)`, `{{- x}}`, `{{x, format}}`, `{{a.b}}`) is left to i18next, as is a value that is
 * missing (i18next leaves the hole as written) or a parameter i18next reads as an option (`count`
 * picks a plural form). With interpolation not escaping, a filled value is not scanned again,
 * which is i18next's behaviour too (skipOnVariables). tests/translate.test.ts compares the two on
 * every text of every language.
 */
type Template = readonly string[];
const FALLBACK: Template = [];

function compile(raw: string): Template {
  if (raw.includes("$t(") || raw.includes("{{-")) return FALLBACK;
  const parts: string[] = [];
  let last = 0;
  for (const match of raw.matchAll(/\{\{(.+?)\}\}/g)) {
    const name = (match[1] ?? "").trim();
    if (!/^[A-Za-z0-9_]+$/.test(name)) return FALLBACK;
    const at = match.index ?? 0;
    parts.push(raw.slice(last, at), name);
    last = at + match[0].length;
  }
  parts.push(raw.slice(last));
  return parts;
}

/** Parameter names that i18next reads as options of the call, not only as values to fill in. */
const OPTIONS = new Set([
  "count",
  "ordinal",
  "context",
  "lng",
  "lngs",
  "ns",
  "defaultValue",
  "replace",
  "returnObjects",
  "joinArrays",
  "postProcess",
  "interpolation",
  "keySeparator",
  "nsSeparator",
]);
const hasOption = (params: NonNullable<Msg["params"]>): boolean => {
  for (const k in params) if (OPTIONS.has(k)) return true;
  return false;
};

/** Per translation function (one per language, made once): each text, or its template. */
const caches = new WeakMap<TFunction, Map<string, string | Template>>();
/** Far above the number of keys × contexts; a bound all the same. */
const CACHE_LIMIT = 20_000;
function cacheFor(t: TFunction): Map<string, string | Template> {
  let cache = caches.get(t);
  if (!cache) {
    cache = new Map();
    caches.set(t, cache);
  }
  return cache;
}

/**
 * Strings made once per language and kept: a map per translation function (one per language, see
 * `fixedT`), cleared when it reaches `limit`. For texts that read the same in every update.
 */
export function perLanguage<K>(limit = CACHE_LIMIT): (t: TFunction, key: K, make: (t: TFunction, key: K) => string) => string {
  const maps = new WeakMap<TFunction, Map<K, string>>();
  return (t, key, make) => {
    let kept = maps.get(t);
    if (!kept) {
      kept = new Map();
      maps.set(t, kept);
    }
    let text = kept.get(key);
    if (text === undefined) {
      if (kept.size >= limit) kept.clear();
      text = make(t, key);
      kept.set(key, text);
    }
    return text;
  };
}

/** "30 days" (`common:retention`, an i18next plural): the same in every text, so made once per language and count. */
export function retentionText(t: TFunction, days: number): string {
  return retentions(t, days, retentionPlural);
}
const retentions = perLanguage<number>();
const retentionPlural = (t: TFunction, days: number) => t("common:retention", { count: days }) as string;

/** YYYY-MM-DD → DD.MM.YYYY, the way dates are written in all five languages' countries. */
export const localDate = (iso: string): string => iso.split("-").reverse().join(".");

/**
 * The translation function for a language, made once per i18n instance and reused: i18next makes a
 * new one on each getFixedT, and the translation cache above is kept per function.
 */
export function fixedT(i18n: i18n, lang: string): TFunction {
  let byLang = fixedTs.get(i18n);
  if (!byLang) {
    byLang = new Map();
    fixedTs.set(i18n, byLang);
  }
  let t = byLang.get(lang);
  if (!t) {
    t = i18n.getFixedT(lang);
    byLang.set(lang, t);
  }
  return t;
}
const fixedTs = new WeakMap<i18n, Map<string, TFunction>>();
