/**
 * Choosing the language: on the first /start and at any time with /language. Telegram's
 * language_code only decides which language is listed first; the answers are never touched.
 * The gate asks for a language before any interview input is handled without one.
 */

import { hintLanguage } from "../../i18n/index.js";
import { CALLBACKS, decodeLanguage, LANGUAGE_DATA } from "../callbacks.js";
import { commandMenu } from "../commands.js";
import { FeatureComposer } from "../composer.js";
import type { QadamContext } from "../context.js";
import { languageMenu } from "../keyboards.js";
import { runInterview } from "../runner.js";
import { closePressed, send } from "../send.js";
import { fixedT, tr } from "../text.js";

export const language = new FeatureComposer<QadamContext>();
const pm = language.chatType("private");

export async function askLanguage(ctx: QadamContext): Promise<void> {
  const first = ctx.session.lang ?? hintLanguage(ctx.from?.language_code);
  // Only the latest menu counts: a stray tap on an old one must not switch the language mid-interview.
  ctx.session.langMenu = await send(ctx, tr(ctx, "common:language.prompt"), languageMenu(ctx, first));
}

/**
 * Before a language is chosen, the interview's inputs (/start, /back, its buttons, typed answers)
 * get the language menu instead. Everything else (/language, /delete, /help…) goes on.
 */
export const languageGate = new FeatureComposer<QadamContext>();
languageGate.use(async (ctx, next) => {
  if (ctx.chat?.type !== "private" || ctx.session.lang || !isInterviewInput(ctx)) return next();
  await askLanguage(ctx);
});

function isInterviewInput(ctx: QadamContext): boolean {
  const data = ctx.callbackQuery?.data;
  if (data !== undefined) return data.startsWith("q|") || data === CALLBACKS.resume;
  const text = ctx.message?.text;
  if (text === undefined) return false;
  const command = /^\/(\w+)/.exec(text)?.[1];
  return command === undefined || command === "start" || command === "back";
}

pm.command("language", askLanguage);

pm.callbackQuery(LANGUAGE_DATA, async (ctx) => {
  const lang = decodeLanguage(ctx.callbackQuery.data);
  if (!lang) return;
  if (ctx.session.langMenu !== undefined && ctx.callbackQuery.message?.message_id !== ctx.session.langMenu) {
    await ctx.answerCallbackQuery({ text: tr(ctx, "common:notice.stale").replace(/<[^>]+>/g, "") });
    return;
  }
  const had = ctx.session.lang !== undefined;
  ctx.session.lang = lang;
  ctx.lang = lang;
  ctx.t = fixedT(ctx.deps, lang);
  if (!(await closePressed(ctx, `✓ ${tr(ctx, `common:language.names.${lang}`)}`))) return;
  // The command menu in this chat follows the language chosen here, not the phone's.
  await ctx.api
    .setMyCommands(commandMenu(ctx.t), { scope: { type: "chat", chat_id: ctx.chat.id } })
    .catch((e: Error) => ctx.deps.logger.warn({ err: e.message }, "command menu not set"));
  if (had && ctx.session.interview) await send(ctx, tr(ctx, "common:language.changed"));
  await runInterview(ctx, { type: "current" });
});
