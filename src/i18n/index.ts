/**
 * Languages and translations. One i18next instance is loaded once from `locales/<lng>/*.json`
 * (i18next JSON v4, one namespace per file; `_meta.json` is the review state, not a namespace).
 * Each update uses the fixed `t` of its language (`fixedT` in translate.ts, made once per language):
 * never `changeLanguage`, which would race between chats handled at the same time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import i18next, { type i18n, type TFunction } from "i18next";

export const LANGS = ["kk", "uz-Latn", "uz-Cyrl", "ru", "en"] as const;
export type Lang = (typeof LANGS)[number];

export const isLang = (x: unknown): x is Lang => typeof x === "string" && (LANGS as readonly string[]).includes(x);

/**
 * Telegram's `language_code` only pre-selects a language; the person always chooses.
 * kk → kk, uz* → uz-Latn, ru → ru, anything else → en.
 */
export function hintLanguage(code: string | undefined): Lang {
  const c = (code ?? "").toLowerCase();
  if (c.startsWith("kk")) return "kk";
  if (c.startsWith("uz")) return c.includes("cyrl") ? "uz-Cyrl" : "uz-Latn";
  if (c.startsWith("ru")) return "ru";
  return "en";
}

/** Every locale's namespaces as plain objects: `{ lang: { namespace: json } }`. */
export type LocaleData = Record<string, Record<string, Record<string, unknown>>>;

export function readLocales(dir: string): LocaleData {
  const data: LocaleData = {};
  for (const lang of readdirSync(dir, { withFileTypes: true })) {
    if (!lang.isDirectory()) continue;
    const spaces: Record<string, Record<string, unknown>> = {};
    for (const f of readdirSync(join(dir, lang.name))) {
      if (!f.endsWith(".json") || f.startsWith("_")) continue;
      const file = join(dir, lang.name, f);
      try {
        spaces[f.slice(0, -5)] = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
      }
    }
    data[lang.name] = spaces;
  }
  return data;
}

/**
 * A ready i18next instance. Interpolation does not escape: the renderer escapes user text itself
 * and passes already-safe HTML for nested messages, so nothing is escaped twice.
 * A Cyrillic Uzbek reader falls back to Russian before English, a Latin one too (more users
 * read Russian than English); Kazakh falls back to Russian.
 */
export function createI18n(data: LocaleData): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: data,
    supportedLngs: [...LANGS],
    fallbackLng: { kk: ["ru", "en"], "uz-Latn": ["ru", "en"], "uz-Cyrl": ["ru", "en"], ru: ["en"], default: ["en"] },
    ns: Object.keys(data["en"] ?? {}),
    defaultNS: "common",
    returnEmptyString: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  return instance;
}

export type Translate = TFunction;
