/**
 * What Telegram would refuse, checked before a call leaves: the local chat and the tests run
 * without Telegram, so without these checks a message that Telegram rejects in production
 * (too long, broken HTML, oversized callback data) would pass unnoticed.
 */
import { LIMITS, parseTelegramHtml } from "./html.js";

export { LIMITS } from "./html.js";

type Keyboard = { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;

/**
 * Why Telegram would refuse this call, or undefined if it would accept it. Covers the methods
 * Qadam uses; `previous` is the message an edit replaces, for "message is not modified".
 */
export function refusal(method: string, payload: Record<string, unknown>, previous?: { text: string; markup: string }): string | undefined {
  const html = payload["parse_mode"] === "HTML";
  const body =
    typeof payload["text"] === "string"
      ? (payload["text"] as string)
      : typeof payload["caption"] === "string"
        ? (payload["caption"] as string)
        : undefined;
  if (body !== undefined) {
    const parsed = html ? parseTelegramHtml(body) : { text: body };
    if ("error" in parsed) return `Bad Request: ${parsed.error}`;
    const limit = "caption" in payload ? LIMITS.caption : LIMITS.text;
    if (parsed.text.trim().length === 0 && "text" in payload) return "Bad Request: message text is empty";
    if (parsed.text.length > limit) return `Bad Request: message is too long (${parsed.text.length} > ${limit})`;
  }
  const rows = (payload["reply_markup"] as Keyboard)?.inline_keyboard ?? [];
  for (const row of rows) {
    for (const b of row) {
      if (!b.text?.trim()) return "Bad Request: inline keyboard button text is empty";
      if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) > LIMITS.callbackData)
        return "Bad Request: BUTTON_DATA_INVALID";
      if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) === 0) return "Bad Request: BUTTON_DATA_INVALID";
    }
  }
  if (
    method === "answerCallbackQuery" &&
    typeof payload["text"] === "string" &&
    (payload["text"] as string).length > LIMITS.callbackAnswer
  ) {
    return "Bad Request: callback answer text is too long";
  }
  if ((method === "editMessageText" || method === "editMessageReplyMarkup") && previous) {
    const text = method === "editMessageText" ? String(payload["text"]) : previous.text;
    // An empty inline keyboard is no keyboard: removing one that is already gone changes nothing.
    const markup = normalMarkup(JSON.stringify(payload["reply_markup"] ?? null));
    if (text === previous.text && markup === normalMarkup(previous.markup)) {
      return "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
    }
  }
  return undefined;
}

const normalMarkup = (json: string): string => {
  const m = JSON.parse(json) as Keyboard | null;
  return m?.inline_keyboard?.every((row) => row.length === 0) ? "null" : json;
};
