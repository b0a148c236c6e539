/**
 * Telegram I/O for the person's chat: messages go out as HTML, split under the 4096-character
 * limit, with protect_content (a message about someone's case cannot be forwarded or saved from
 * the chat); edits tolerate what Telegram refuses for old or unchanged messages.
 */
import { GrammyError } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { splitHtml } from "../telegram/html.js";
import type { QadamContext } from "./context.js";
import { track } from "./span.js";

/** Sends HTML, split if needed; the keyboard goes on the last piece. Returns the last message id. */
export async function send(ctx: QadamContext, html: string, markup?: InlineKeyboardMarkup): Promise<number> {
  const pieces = splitHtml(html);
  let id = 0;
  for (const [i, piece] of pieces.entries()) {
    const last = i === pieces.length - 1;
    const sent = await ctx.reply(piece, {
      parse_mode: "HTML",
      protect_content: true,
      link_preview_options: { is_disabled: true },
      ...(last && markup ? { reply_markup: markup } : {}),
    });
    id = sent.message_id;
    ctx.shown = id;
    track(ctx, id);
  }
  return id;
}

/** Edits a message, tolerating failure (an old message can't always be edited): the flow goes on. */
export async function tryEdit(ctx: QadamContext, messageId: number, html: string): Promise<void> {
  if (!ctx.chat) return;
  try {
    await ctx.api.editMessageText(ctx.chat.id, messageId, html, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
  } catch (e) {
    if (!isNotModified(e)) ctx.deps.logger.warn({ update: ctx.update.update_id, err: (e as Error).message }, "could not close a question");
  }
}

/** Telegram refuses an edit that changes nothing: what a second tap on the same button causes. */
export const isNotModified = (e: unknown): boolean => e instanceof GrammyError && e.description.includes("message is not modified");

/**
 * Closes the message whose one-time button was pressed: replaces its text with `html`, or only
 * removes its keyboard. Returns false if it was closed already, so a double tap acts once.
 */
export async function closePressed(ctx: QadamContext, html?: string): Promise<boolean> {
  try {
    if (html === undefined) await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
    else await ctx.editMessageText(html, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    return true;
  } catch (e) {
    if (isNotModified(e)) return false;
    throw e;
  }
}
