/**
 * Choosing the language: on the first /start and at any time with /language. Telegram's
 * language_code only decides which language is listed first; the answers are never touched.
 */
import { Composer } from "grammy";
import { hintLanguage, isLang } from "../../i18n/index.js";
import type { QadamContext } from "../context.js";
import { closePressed, languageMenu, send, tr } from "../render.js";
import { runInterview } from "./interview.js";

export const language = new Composer<QadamContext>();
const pm = language.chatType("private");

export async function askLanguage(ctx: QadamContext): Promise<void> {
  const first = ctx.session.lang ?? hintLanguage(ctx.from?.language_code);
  await send(ctx, tr(ctx, "common:language.prompt"), languageMenu(ctx, first));
}

pm.command("language", askLanguage);

pm.callbackQuery(/^l\|/, async (ctx) => {
  const lang = ctx.callbackQuery.data.slice(2);
  if (!isLang(lang)) return;
  const had = ctx.session.lang !== undefined;
  ctx.session.lang = lang;
  ctx.lang = lang;
  ctx.t = ctx.deps.i18n.getFixedT(lang);
  if (!(await closePressed(ctx, `✓ ${tr(ctx, `common:language.names.${lang}`)}`))) return;
  if (had && ctx.session.interview) await send(ctx, tr(ctx, "common:language.changed"));
  await runInterview(ctx, { type: "current" });
});
