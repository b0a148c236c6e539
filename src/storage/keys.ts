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

/** The session id for a chat: stable for the same secret, meaningless without it. */
export function sessionId(secret: string, chatId: number | string): string {
  return createHmac("sha256", secret).update(String(chatId)).digest("base64url").slice(0, 32);
}
