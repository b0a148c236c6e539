/**
 * Telegram's HTML parse mode, as Telegram reads it: which tags it accepts, how long a message's
 * visible text is, and how to split a long message without breaking a tag or an entity. A leaf:
 * it imports nothing of Qadam's, so the bot, the content checks, the referrals and the local
 * chat can all use it.
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
    const ch = html.charAt(i);
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
      const e = m[1] ?? "";
      text +=
        e === "lt"
          ? "<"
          : e === "gt"
            ? ">"
            : e === "amp"
              ? "&"
              : e === "quot"
                ? '"'
                : String.fromCodePoint(e.startsWith("#x") ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      i += m[0].length;
    } else {
      // Plain text up to the next tag or entity, as one piece (a bare ">" included: Telegram
      // tolerates it, so it stays visible).
      let j = i + 1;
      while (j < html.length) {
        const c = html.charCodeAt(j);
        if (c === 60 /* < */ || c === 38 /* & */) break;
        j++;
      }
      text += html.slice(i, j);
      i = j;
    }
  }
  if (stack.length) return { error: `can't parse entities: tag "${stack[stack.length - 1]}" is not closed` };
  return { text };
}

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Button labels are not parsed as HTML: decode the few entities our texts may hold. */
export const plain = (html: string) =>
  html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

/**
 * Splits HTML so the visible text of each piece fits Telegram's limit (counted after entities are
 * parsed, in UTF-16 units, as Telegram counts). It cuts at a line break where it can, otherwise
 * between characters, never inside a tag or an entity; tags open at a cut are closed there and
 * opened again in the next piece. So every piece is valid on its own, and nothing is dropped: a
 * person's long answer full of quotes (each `"` is six characters escaped) still arrives whole.
 */
export function splitHtml(html: string, limit: number = LIMITS.text): string[] {
  // Most messages fit: what shows is never longer than the HTML that makes it.
  if (html.length > 0 && html.length <= limit) return [html];
  const tokens = html.match(/<[^>]*>|&#?\w+;|[\s\S]/gu) ?? [];
  const width = (t: string) => (t.startsWith("<") ? 0 : t.length > 1 && t.startsWith("&") ? decodedWidth(t) : t.length);
  // The tags open before each token, as written (so `<a href="…">` reopens with its link).
  const openBefore: string[][] = [];
  let open: string[] = [];
  for (const t of tokens) {
    openBefore.push(open);
    if (t.startsWith("</")) open = open.slice(0, -1);
    else if (t.startsWith("<")) open = [...open, t];
  }
  openBefore.push(open);
  const closing = (tags: string[]) =>
    tags
      .map((t) => `</${/^<([a-z-]+)/.exec(t)?.[1] ?? ""}>`)
      .reverse()
      .join("");

  const pieces: string[] = [];
  let start = 0;
  while (start < tokens.length) {
    let end = start;
    let visible = 0;
    let lastBreak = -1;
    while (end < tokens.length && visible + width(tokens[end] ?? "") <= limit) {
      if (tokens[end] === "\n") lastBreak = end;
      visible += width(tokens[end] ?? "");
      end++;
    }
    // Everything left fits; or cut at the last line break; or, in one over-long line, right here.
    const cut = end === tokens.length ? end : lastBreak > start ? lastBreak : Math.max(end, start + 1);
    const body = tokens.slice(start, cut).join("");
    const piece = (openBefore[start] ?? []).join("") + body + closing(openBefore[cut] ?? []);
    if (body.replace(/<[^>]*>/g, "").trim()) pieces.push(piece);
    start = cut < tokens.length && tokens[cut] === "\n" ? cut + 1 : cut;
  }
  return pieces;
}

/** How many UTF-16 units an entity shows as (`&#128512;` is two). */
function decodedWidth(entity: string): number {
  const m = /^&#(x?)([0-9a-f]+);$/i.exec(entity);
  return m?.[2] ? String.fromCodePoint(parseInt(m[2], m[1] ? 16 : 10)).length : 1;
}
