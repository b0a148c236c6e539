/**
 * Texts for the lawyers' command-line tools: the `lawyer` namespace from locales/, in the
 * language asked for (--lang) or the terminal's (LANG), English otherwise.
 */
import { createI18n, hintLanguage, isLang, readLocales } from "../i18n/index.js";

export function lawyerT(lang: string | undefined) {
  const i18n = createI18n(readLocales(process.env["LOCALES_DIR"] ?? "locales"));
  const use = isLang(lang) ? lang : hintLanguage((process.env["LANG"] ?? "").split(/[_.]/)[0]);
  return { t: i18n.getFixedT(use), lang: use };
}
