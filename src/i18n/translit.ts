/**
 * Latin ↔ Cyrillic for Uzbek, and Latin → Cyrillic for Kazakh: people in both countries type in
 * either script (and with any apostrophe), so typed answers are compared in one script. It also
 * helps keep the uz-Cyrl locale in step with uz-Latn (a test compares them).
 *
 * This follows the 1995 Uzbek Latin alphabet rules (oʻ gʻ sh ch ng, yo ya yu ye, e → э at the start
 * of a word) and the 2021 Kazakh Latin alphabet. It is an aid, not a perfect converter: Russian
 * loanwords (ц, щ, ь) are not restored.
 */

/** Every apostrophe-like character people type for oʻ/gʻ (U+02BB) and the tutuq belgisi (U+02BC). */
const TURNED = /[‘`'ʻ]/g;
const MODIFIER = /[’ʼ]/g;

const UZ_DIGRAPHS: [RegExp, string][] = [
  [/(^|[^a-zʻʼ])e/g, "$1э"],
  [/oʻ/g, "ў"],
  [/gʻ/g, "ғ"],
  [/sh/g, "ш"],
  [/ch/g, "ч"],
  [/yo/g, "ё"],
  [/yu/g, "ю"],
  [/ya/g, "я"],
  [/ye/g, "е"],
];
const UZ_LETTERS: Record<string, string> = {
  a: "а",
  b: "б",
  d: "д",
  e: "е",
  f: "ф",
  g: "г",
  h: "ҳ",
  i: "и",
  j: "ж",
  k: "к",
  l: "л",
  m: "м",
  n: "н",
  o: "о",
  p: "п",
  q: "қ",
  r: "р",
  s: "с",
  t: "т",
  u: "у",
  v: "в",
  x: "х",
  y: "й",
  z: "з",
  ʼ: "ъ",
};

/** Uzbek Latin → Cyrillic, lower-case. */
export function uzLatinToCyrillic(text: string): string {
  let s = text.toLowerCase().replace(TURNED, "ʻ").replace(MODIFIER, "ʼ");
  // "oʻ"/"gʻ" written with a plain apostrophe is turned above; a tutuq after other letters stays ʼ.
  s = s.replace(/([^og])ʻ/g, "$1ʼ");
  for (const [re, to] of UZ_DIGRAPHS) s = s.replace(re, to);
  return [...s].map((c) => UZ_LETTERS[c] ?? c).join("");
}

const UZ_BACK: [RegExp, string][] = [
  [/ў/g, "oʻ"],
  [/ғ/g, "gʻ"],
  [/ш/g, "sh"],
  [/ч/g, "ch"],
  [/ё/g, "yo"],
  [/ю/g, "yu"],
  [/я/g, "ya"],
  [/(^|[^а-яўғқҳёъ])е/g, "$1ye"],
  [/э/g, "e"],
  [/ц/g, "ts"],
  [/ъ/g, "ʼ"],
  [/ь/g, ""],
];
const UZ_BACK_LETTERS: Record<string, string> = Object.fromEntries(
  Object.entries(UZ_LETTERS)
    .filter(([l]) => l !== "ʼ" && l !== "e")
    .map(([l, c]) => [c, l]),
);

/** Uzbek Cyrillic → Latin, lower-case. */
export function uzCyrillicToLatin(text: string): string {
  let s = text.toLowerCase();
  for (const [re, to] of UZ_BACK) s = s.replace(re, to);
  return [...s].map((c) => (c === "е" ? "e" : (UZ_BACK_LETTERS[c] ?? c))).join("");
}

const KK_LATIN: Record<string, string> = {
  a: "а",
  ä: "ә",
  b: "б",
  d: "д",
  e: "е",
  f: "ф",
  g: "г",
  ğ: "ғ",
  h: "һ",
  i: "і",
  ı: "ы",
  j: "ж",
  k: "к",
  l: "л",
  m: "м",
  n: "н",
  ñ: "ң",
  o: "о",
  ö: "ө",
  p: "п",
  q: "қ",
  r: "р",
  s: "с",
  ş: "ш",
  t: "т",
  u: "у",
  ū: "ұ",
  ü: "ү",
  v: "в",
  y: "й",
  z: "з",
};

/** Kazakh Latin (2021 alphabet) → Cyrillic, lower-case; "ch" → ч. */
export function kkLatinToCyrillic(text: string): string {
  const s = text.toLowerCase().replace(/ch/g, "ч");
  return [...s].map((c) => KK_LATIN[c] ?? c).join("");
}

/**
 * A comparable form of typed text: lower-case, Cyrillic, no punctuation or emoji, single spaces.
 * Latin input is read as Uzbek or Kazakh Latin depending on the language in use.
 */
export function comparable(text: string, lang: string): string {
  let s = text.normalize("NFC").toLowerCase();
  if (/[a-z]/.test(s)) {
    if (lang.startsWith("uz")) s = uzLatinToCyrillic(s);
    else if (lang === "kk") s = kkLatinToCyrillic(s);
  }
  // Latin has no ц: "Probatsiya" and "Пробация" are the same word. And people leave out what
  // their keyboard lacks: "Ozbekiston" for "Oʻzbekiston", "Кашкадарё" for "Қашқадарё".
  if (lang.startsWith("uz")) s = s.replace(/ц/g, "тс").replace(/ў/g, "о").replace(/ғ/g, "г").replace(/қ/g, "к").replace(/ҳ/g, "х");
  return s
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Dice similarity of character bigrams: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const grams = (s: string) => {
    const m = new Map<string, number>();
    for (let i = 0; i < s.length - 1; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let common = 0;
  for (const [g, n] of ga) common += Math.min(n, gb.get(g) ?? 0);
  const total = Math.max(a.length - 1, 0) + Math.max(b.length - 1, 0);
  return total === 0 ? (a === b ? 1 : 0) : (2 * common) / total;
}
