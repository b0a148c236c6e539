/**
 * What Telegram would refuse, checked before a call leaves: the local chat and the tests run
 * without Telegram, so without these checks a message that Telegram rejects in production
 * (too long, broken HTML, oversized callback data) would pass unnoticed.
 */

/** Telegram's limits for the calls Qadam makes. */
export const LIMITS = { text: 4096, caption: 1024, callbackData: 64, callbackAnswer: 200 } as const;

const TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "blockquote", "span"]);

/**
 * Checks text in Telegram's HTML parse mode: only supported tags, properly nested; `&` only as an
 * entity; no bare `<`. Returns the visible text (entities decoded) or an error message.
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const stack: string[] = [];
  let text = "";
  let i = 0;
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === "<") {
      const m = /^<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/.exec(html.slice(i));
      if (!m) return { error: `can't parse entities: unexpected "<" at byte offset ${i}` };
      const [whole, closing, tag] = m as unknown as [string, string, string];
      if (!TAGS.has(tag)) return { error: `can't parse entities: unsupported start tag "${tag}" at byte offset ${i}` };
      if (closing) {
        if (stack.pop() !== tag) return { error: `can't parse entities: unmatched end tag "${tag}" at byte offset ${i}` };
      } else stack.push(tag);
      i += whole.length;
    } else if (ch === "&") {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i));
      if (!m) return { error: `can't parse entities: bare "&" at byte offset ${i} (write &amp;)` };
      const e = m[1]!;
      text += e === "lt" ? "<" : e === "gt" ? ">" : e === "amp" ? "&" : e === "quot" ? '"' : String.fromCodePoint(e.startsWith("#x") ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      i += m[0].length;
    } else if (ch === ">") {
      text += ch; // Telegram tolerates a bare ">"; keep it visible
      i++;
    } else {
      text += ch;
      i++;
    }
  }
  if (stack.length) return { error: `can't parse entities: tag "${stack[stack.length - 1]}" is not closed` };
  return { text };
}

export const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

type Keyboard = { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;

/**
 * Why Telegram would refuse this call, or undefined if it would accept it. Covers the methods
 * Qadam uses; `previous` is the message an edit replaces, for "message is not modified".
 */
export function refusal(method: string, payload: Record<string, unknown>, previous?: { text: string; markup: string }): string | undefined {
  const html = payload["parse_mode"] === "HTML";
  const body = typeof payload["text"] === "string" ? (payload["text"] as string) : typeof payload["caption"] === "string" ? (payload["caption"] as string) : undefined;
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
      if (!b.text || !b.text.trim()) return "Bad Request: inline keyboard button text is empty";
      if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) > LIMITS.callbackData) return "Bad Request: BUTTON_DATA_INVALID";
      if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) === 0) return "Bad Request: BUTTON_DATA_INVALID";
    }
  }
  if (method === "answerCallbackQuery" && typeof payload["text"] === "string" && (payload["text"] as string).length > LIMITS.callbackAnswer) {
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
  return m?.inline_keyboard && m.inline_keyboard.every((row) => row.length === 0) ? "null" : json;
};
