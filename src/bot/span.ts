/**
 * Which messages make up the current conversation in a person's chat, so they can be erased from
 * the phone (/wipe, /panic, discreet mode). Only message ids are kept, never content: in a private
 * chat Telegram numbers both sides' messages from one sequence, so the lowest and highest id seen
 * cover every message between. A bot may delete messages less than 48 hours old, so a span that
 * began earlier starts afresh.
 */
import type { QadamContext } from "./context.js";

/** Telegram lets a bot delete a message in a private chat for 48 hours. */
export const DELETABLE_SECONDS = 48 * 3600;

/** Adds a message id to the chat's span (starting a new span if the old one is past deleting). */
export function track(ctx: QadamContext, messageId: number | undefined): void {
  if (messageId === undefined || ctx.chat?.type !== "private") return;
  const now = Math.floor(ctx.deps.referrals.now().getTime() / 1000);
  const span = ctx.session.span;
  if (!span || now - span[2] > DELETABLE_SECONDS) ctx.session.span = [messageId, messageId, now];
  else ctx.session.span = [Math.min(span[0], messageId), Math.max(span[1], messageId), span[2]];
}

/**
 * Deletes every message of the span that Telegram still lets a bot delete (batches of 100), and
 * forgets the span. Returns how many ids were asked to be deleted.
 */
export async function eraseSpan(ctx: QadamContext, upTo?: number): Promise<number> {
  const span = ctx.session.span;
  delete ctx.session.span;
  if (!span || !ctx.chat) return 0;
  const now = Math.floor(ctx.deps.referrals.now().getTime() / 1000);
  if (now - span[2] > DELETABLE_SECONDS) return 0;
  const last = Math.max(span[1], upTo ?? 0);
  const ids: number[] = [];
  for (let id = span[0]; id <= last; id++) ids.push(id);
  for (let i = 0; i < ids.length; i += 100) {
    await ctx.api.deleteMessages(ctx.chat.id, ids.slice(i, i + 100)).catch((e: Error) => ctx.deps.logger.warn({ err: e.message }, "erase"));
  }
  return ids.length;
}

/** Deletes one message, quietly (it may be gone already, or too old). */
export async function eraseOne(ctx: QadamContext, messageId: number | undefined): Promise<void> {
  if (messageId === undefined || !ctx.chat) return;
  await ctx.api.deleteMessage(ctx.chat.id, messageId).catch(() => {});
}
