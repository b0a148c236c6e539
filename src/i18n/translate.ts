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
 * Translates a message into Telegram HTML. Plain string params are the person's own text and get
 * escaped; nested messages are translated (already safe); `globals` are filled into any text that
 * asks for them (e.g. {{retention}}).
 */
export function translate(t: TFunction, msg: Msg | string, params?: Msg["params"], globals: Record<string, string> = {}): string {
  const m: Msg = typeof msg === "string" ? { key: msg, ...(params ? { params } : {}) } : msg;
  // Most texts have nothing to fill in: translated once per language and context, then remembered.
  // Only those: a text with a value in it (the person's words, a code) is never kept.
  const cache = m.params ? undefined : cacheFor(t);
  const cacheKey = `${m.key}\u0000${m.context ?? ""}`;
  const hit = cache?.get(cacheKey);
  if (typeof hit === "string") return hit;
  const values: Record<string, string | number> = { ...globals };
  for (const [k, v] of Object.entries(m.params ?? {})) {
    values[k] =
      typeof v === "number"
        ? v
        : typeof v === "string"
          ? escapeHtml(v)
          : Array.isArray(v)
            ? v.map((x) => translate(t, x, undefined, globals)).join(", ")
            : translate(t, v, undefined, globals);
  }
  if (m.context) values["context"] = m.context;
  const text = t(m.key, values) as string;
  if (cache && hit === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    // The text as written, before anything is filled in: if nothing can be, it is the same for all.
    const raw = t(m.key, { ...(m.context ? { context: m.context } : {}), skipInterpolation: true }) as string;
    cache.set(cacheKey, raw.includes("{{") || raw.includes("$t(") ? null : text);
  }
  return text;
}

/** Per translation function (one per language, made once): texts with nothing to fill in; null: one that has. */
const caches = new WeakMap<TFunction, Map<string, string | null>>();
/** Far above the number of keys × contexts; a bound all the same. */
const CACHE_LIMIT = 20_000;
function cacheFor(t: TFunction): Map<string, string | null> {
  let cache = caches.get(t);
  if (!cache) {
    cache = new Map();
    caches.set(t, cache);
  }
  return cache;
}

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
