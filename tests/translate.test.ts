/**
 * translate() fills plain `{{name}}` holes itself (a template made once per text) and leaves the
 * rest to i18next. Here the two are compared on every text of every language, with values that
 * would show a difference: HTML to escape, holes and `$t(` inside a value, numbers, nested
 * messages, a context, a missing value and a count.
 */
import type { TFunction } from "i18next";
import { describe, expect, it } from "vitest";
import { createI18n, LANGS, readLocales } from "../src/i18n/index.js";
import { fixedT, type Msg, translate } from "../src/i18n/translate.js";
import { escapeHtml } from "../src/telegram/html.js";

const data = readLocales("locales");
const i18n = createI18n(data);

/** Every leaf key as `ns:a.b.c`, with its text. */
function leaves(obj: Record<string, unknown>, prefix: string): [string, string][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === "string" ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const values = ["<b>x</b> & y", "{{retention}}", "$t(common:help)", "a, b"];

/** What the text says through i18next alone, the values prepared as translate() prepares them. */
function reference(t: TFunction, m: Msg, globals: Record<string, string>): string {
  const v: Record<string, string | number> = { ...globals };
  for (const [k, x] of Object.entries(m.params ?? {})) {
    v[k] = typeof x === "number" ? x : typeof x === "string" ? escapeHtml(x) : translate(t, x as Msg, undefined, globals);
  }
  if (m.context) v["context"] = m.context;
  return t(m.key, v) as string;
}

describe("translate", () => {
  it("says what i18next says, on every text of every language", () => {
    let compared = 0;
    for (const lang of LANGS) {
      const t = fixedT(i18n, lang);
      const globals = { retention: "30 <days>", recipients: "• A", referral_retention: "90", code: "QDM-1234-5678" };
      for (const ns of Object.keys(data["en"] ?? {})) {
        const texts = leaves((data[lang]?.[ns] ?? {}) as Record<string, unknown>, `${ns}:`);
        const keys = new Set(texts.map(([k]) => k));
        for (const [key, text] of texts) {
          const names = [...text.matchAll(/\{\{(.+?)\}\}/g)].map((m) => (m[1] ?? "").trim());
          const base = key.replace(PLURAL, "");
          const cut = key.lastIndexOf("_");
          // key_context of a key that exists: asked for as key with that context.
          const asked: Msg[] = [{ key: base }];
          if (cut > key.indexOf(":") && keys.has(key.slice(0, cut)) && !PLURAL.test(key))
            asked.push({ key: key.slice(0, cut), context: key.slice(cut + 1) });
          for (const m of asked) {
            for (const [i, v] of values.entries()) {
              const params: NonNullable<Msg["params"]> = {};
              for (const [j, n] of names.entries()) {
                if (n === "count") params[n] = 3;
                else if (j === 1 && i === 1) params[n] = 7;
                else if (j === 0 && i === 2) params[n] = { key: "common:buttons.back" };
                else if (!(j === 1 && i === 3)) params[n] = v; // i === 3: the second value missing
              }
              const msg: Msg = { ...m, ...(names.length ? { params } : {}) };
              expect(translate(t, msg, undefined, globals), `${lang} ${key} ${JSON.stringify(msg)}`).toBe(reference(t, msg, globals));
              // The same twice: the second comes from the kept template.
              expect(translate(t, msg, undefined, globals)).toBe(reference(t, msg, globals));
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
