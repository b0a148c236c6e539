/**
 * Every Redis key Qadam writes, in one place.
 *
 * - `qadam:s:<id>` — one person's session (language and interview answers), encrypted with
 *   SESSION_KEYS, expiring SESSION_TTL_DAYS after the last message (real Redis expiry).
 *   `<id>` is an HMAC of the Telegram chat id under SESSION_SECRET, so the key names in a dump
 *   do not say who used the bot.
 */
import { createHmac } from "node:crypto";

export const SESSION_PREFIX = "qadam:s:";

/**
 * The session id for a chat: stable for the same secret, meaningless without it. Asked on every
 * update (and again for the owner of a referral): an HMAC each time was 3% of an update, so the
 * ids of recent chats are kept (bounded), per secret.
 */
export function sessionId(secret: string, chatId: number | string): string {
  let ids = idsBySecret.get(secret);
  if (!ids) {
    ids = new Map();
    idsBySecret.set(secret, ids);
  }
  const chat = String(chatId);
  let id = ids.get(chat);
  if (id === undefined) {
    if (ids.size >= 10_000) ids.clear();
    id = createHmac("sha256", secret).update(chat).digest("base64url").slice(0, 32);
    ids.set(chat, id);
  }
  return id;
}
const idsBySecret = new Map<string, Map<string, string>>();
