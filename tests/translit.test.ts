/**
 * Uzbek and Kazakh typed in either script compare equal, and the Cyrillic Uzbek locale stays in
 * step with the Latin one.
 */
import { describe, expect, it } from "vitest";
import { flatten } from "../src/content/locale-check.js";
import { readLocales } from "../src/i18n/index.js";
import { comparable, kkLatinToCyrillic, similarity, uzCyrillicToLatin, uzLatinToCyrillic } from "../src/i18n/translit.js";

describe("script conversion", () => {
  it("writes Uzbek Latin in Cyrillic, whatever apostrophe was typed", () => {
    expect(uzLatinToCyrillic("Oʻzbekiston")).toBe("ўзбекистон");
    expect(uzLatinToCyrillic("O'zbekiston")).toBe("ўзбекистон");
    expect(uzLatinToCyrillic("yoʻl")).toBe("йўл");
    expect(uzLatinToCyrillic("maʼlumot")).toBe("маълумот");
    expect(uzLatinToCyrillic("ellik shahar choy")).toBe("эллик шаҳар чой");
    expect(uzLatinToCyrillic("yangi yer")).toBe("янги ер");
  });

  it("writes Uzbek Cyrillic in Latin", () => {
    expect(uzCyrillicToLatin("Ўзбекистон")).toBe("oʻzbekiston");
    expect(uzCyrillicToLatin("ғазаб")).toBe("gʻazab");
    expect(uzCyrillicToLatin("эллик")).toBe("ellik");
  });

  it("writes Kazakh Latin in Cyrillic", () => {
    expect(kkLatinToCyrillic("Qazaqstan")).toBe("қазақстан");
    expect(kkLatinToCyrillic("Ädilet")).toBe("әділет"); // ä → ә, i → і
  });

  it("makes typed answers comparable across scripts", () => {
    expect(comparable("O'zbekiston!", "uz-Latn")).toBe(comparable("Ўзбекистон", "uz-Cyrl"));
    expect(comparable("Qazaqstan", "kk")).toBe(comparable("Қазақстан", "kk"));
    expect(similarity("abc", "abc")).toBe(1);
    expect(similarity("abc", "xyz")).toBe(0);
  });

  it("keeps every Uzbek Cyrillic text in step with its Latin twin", () => {
    const data = readLocales("locales");
    const latn = flatten(data["uz-Latn"]);
    const cyrl = flatten(data["uz-Cyrl"]);
    const drift: string[] = [];
    for (const [key, value] of Object.entries(latn)) {
      const twin = cyrl[key];
      if (typeof value !== "string" || typeof twin !== "string") continue;
      const a = comparable(value.replace(/Qadam|Telegram/g, ""), "uz-Latn");
      const b = comparable(twin.replace(/Qadam|Telegram/g, ""), "uz-Cyrl");
      if (similarity(a, b) < 0.8) drift.push(`${key}: ${similarity(a, b).toFixed(2)}`);
    }
    expect(drift).toEqual([]);
  });
});
