/**
 * Turns what the engine says into Telegram messages: translated, HTML-escaped where the text is
 * the person's own, split under Telegram's 4096-character limit, and sent with protect_content
 * so a message about someone's case cannot be forwarded or saved from the chat.
 */
import { GrammyError } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { TFunction } from "i18next";
import { encodeButton } from "../flow/codec.js";
import { answerMsg, type Button, type Msg, questionMsg, type QuestionView, type Say, walk } from "../flow/engine.js";
import { isQuestion } from "../flow/model.js";
import type { CardView, ResultView } from "../rights/evaluate.js";
import { LANGS } from "../i18n/index.js";
import type { QadamContext } from "./context.js";
import { escapeHtml, LIMITS } from "./telegram-rules.js";

/**
 * Translates a message into Telegram HTML. Plain string params are the person's own text and get
 * escaped; nested messages are translated (already safe); `globals` are filled into any text that
 * asks for them (e.g. {{retention}}).
 */
export function translate(t: TFunction, msg: Msg | string, params?: Msg["params"], globals: Record<string, string> = {}): string {
  const m: Msg = typeof msg === "string" ? { key: msg, ...(params ? { params } : {}) } : msg;
  const values: Record<string, string | number> = { ...globals };
  for (const [k, v] of Object.entries(m.params ?? {})) {
    values[k] =
      typeof v === "number" ? v : typeof v === "string" ? escapeHtml(v) : Array.isArray(v) ? v.map((x) => translate(t, x, undefined, globals)).join(", ") : translate(t, v, undefined, globals);
  }
  if (m.context) values["context"] = m.context;
  return t(m.key, values) as string;
}

/** Translates for this chat, with the chat's globals (retention; and what the bot set in ctx.params). */
export function tr(ctx: QadamContext, msg: Msg | string, params?: Msg["params"]): string {
  return translate(ctx.t, msg, params, globals(ctx));
}

export function globals(ctx: QadamContext): Record<string, string> {
  return { ...ctx.params, retention: ctx.t("common:retention", { count: ctx.deps.retentionDays }) as string };
}

/** Inline keyboard from engine buttons; ticked options get a mark. */
export function keyboard(ctx: QadamContext, rows: Button[][]): InlineKeyboardMarkup {
  return {
    inline_keyboard: rows.map((row) =>
      row.map((b): InlineKeyboardButton => ({
        text: (b.checked === undefined ? "" : b.checked ? "✅ " : "▫️ ") + plain(tr(ctx, b.label)),
        callback_data: b.data,
      })),
    ),
  };
}

/** Button labels are not parsed as HTML: decode the few entities our texts may hold. */
const plain = (html: string) =>
  html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

export function questionHtml(ctx: QadamContext, v: QuestionView): string {
  const parts: string[] = [];
  if (v.progress) parts.push(`<i>${tr(ctx, "common:progress", { at: v.progress.at, of: v.progress.of })}</i>`);
  parts.push(tr(ctx, v.text));
  if (v.help) parts.push(`<i>${tr(ctx, v.help)}</i>`);
  if (v.current) parts.push(tr(ctx, v.current));
  if (v.hint) parts.push(`<i>${tr(ctx, v.hint)}</i>`);
  return parts.join("\n\n");
}

/**
 * Splits HTML so the visible text of each piece fits Telegram's limit (counted after entities are
 * parsed, in UTF-16 units, as Telegram counts). It cuts at a line break where it can, otherwise
 * between characters, never inside a tag or an entity; tags open at a cut are closed there and
 * opened again in the next piece. So every piece is valid on its own, and nothing is dropped: a
 * person's long answer full of quotes (each `"` is six characters escaped) still arrives whole.
 */
export function splitHtml(html: string, limit: number = LIMITS.text): string[] {
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
  const closing = (tags: string[]) => tags.map((t) => `</${/^<([a-z-]+)/.exec(t)![1]}>`).reverse().join("");

  const pieces: string[] = [];
  let start = 0;
  while (start < tokens.length) {
    let end = start;
    let visible = 0;
    let lastBreak = -1;
    while (end < tokens.length && visible + width(tokens[end]!) <= limit) {
      if (tokens[end] === "\n") lastBreak = end;
      visible += width(tokens[end]!);
      end++;
    }
    // Everything left fits; or cut at the last line break; or, in one over-long line, right here.
    const cut = end === tokens.length ? end : lastBreak > start ? lastBreak : Math.max(end, start + 1);
    const body = tokens.slice(start, cut).join("");
    const piece = openBefore[start]!.join("") + body + closing(openBefore[cut]!);
    if (body.replace(/<[^>]*>/g, "").trim()) pieces.push(piece);
    start = cut < tokens.length && tokens[cut] === "\n" ? cut + 1 : cut;
  }
  return pieces;
}

/** How many UTF-16 units an entity shows as (`&#128512;` is two). */
function decodedWidth(entity: string): number {
  const m = /^&#(x?)([0-9a-f]+);$/i.exec(entity);
  return m ? String.fromCodePoint(parseInt(m[2]!, m[1] ? 16 : 10)).length : 1;
}

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
  }
  return id;
}

/** Edits a message, tolerating failure (an old message can't always be edited): the flow goes on. */
async function tryEdit(ctx: QadamContext, messageId: number, html: string): Promise<void> {
  try {
    await ctx.api.editMessageText(ctx.chat!.id, messageId, html, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
  } catch (e) {
    if (!isNotModified(e)) ctx.deps.logger.warn({ update: ctx.update.update_id, err: (e as Error).message }, "could not close a question");
  }
}

/**
 * Shows what the engine said. `pressed` is the message whose button was pressed, if any: a
 * stale press is answered on the button itself, a ticked option redraws that keyboard only, and
 * an answered question is closed with the answer so the chat reads as a transcript.
 */
export async function show(ctx: QadamContext, says: Say[], pressed?: number): Promise<void> {
  // A notice (say, text typed where a button was expected) asks again: at the result, only its
  // last message, not every card again, which would flood a chat that a phone search might read.
  const again = says.some((s) => s.kind === "notice" && s.msg.key.startsWith("common:notice.use_buttons"));
  for (const say of says) {
    if (say.kind === "notice") {
      if (say.msg.key === "common:notice.stale" && ctx.callbackQuery) {
        await ctx.answerCallbackQuery({ text: plain(tr(ctx, say.msg)) });
        continue;
      }
      await send(ctx, tr(ctx, say.msg));
    } else if (say.kind === "answered") {
      const target = pressed ?? ctx.session.lastQuestion;
      if (target) {
        // The result's last message holds the urgent-help line: answering its question keeps it.
        const asked = ctx.deps.flows.nodes.get(say.ref)?.result ? resultClosing(ctx, true) : tr(ctx, say.question);
        const html = `${asked}\n\n<b>${tr(ctx, "common:answer.yours", { answer: say.answer })}</b>`;
        await tryEdit(ctx, target, splitHtml(html)[0]!);
      }
      delete ctx.session.lastQuestion;
    } else if (say.view.refresh && pressed) {
      await ctx.api.editMessageReplyMarkup(ctx.chat!.id, pressed, { reply_markup: keyboard(ctx, say.view.buttons) });
    } else if (say.view.review) {
      const list = answerList(ctx, "revise");
      if (list.lines.length) await send(ctx, list.lines.join("\n\n"), list.rows.length ? { inline_keyboard: list.rows } : undefined);
      ctx.session.lastQuestion = await send(ctx, questionHtml(ctx, say.view), keyboard(ctx, say.view.buttons));
    } else if (say.view.result && again) {
      ctx.session.lastQuestion = await send(ctx, resultClosing(ctx, say.view.type === "choice"), keyboard(ctx, say.view.buttons));
    } else if (say.view.result) {
      ctx.session.lastQuestion = await showResult(ctx, say.view, say.view.result);
    } else {
      ctx.session.lastQuestion = await send(ctx, questionHtml(ctx, say.view), keyboard(ctx, say.view.buttons));
    }
  }
}

/** The language menu: every language named in itself, the hinted one first. */
export function languageMenu(ctx: QadamContext, first: string): InlineKeyboardMarkup {
  const order = [first, ...LANGS.filter((l) => l !== first)];
  return { inline_keyboard: order.map((l) => [{ text: plain(tr(ctx, `common:language.names.${l}`)), callback_data: `l|${l}` }]) };
}

/** A keyboard of bot-level choices (confirmations, resume), one per row. */
export function choices(ctx: QadamContext, items: [labelKey: string, data: string][]): InlineKeyboardMarkup {
  return { inline_keyboard: items.map(([key, data]) => [{ text: plain(tr(ctx, key)), callback_data: data }]) };
}

/** YYYY-MM-DD → DD.MM.YYYY, the way dates are written in all five languages' countries. */
const localDate = (iso: string) => iso.split("-").reverse().join(".");

/**
 * One card as a message: title, the parts that apply, and its sources (a secondary source is
 * marked as not an official text). The check date is said once per result, not on every card.
 */
export function cardHtml(ctx: QadamContext, card: CardView): string {
  const sources = card.cite.map((c) => {
    const label = tr(ctx, c.label);
    const at = c.at ? `, ${tr(ctx, c.many ? "rights:cite_at_list" : "rights:cite_at", { at: c.at })}` : "";
    const unofficial = c.official ? "" : ` <i>(${tr(ctx, "rights:unofficial")})</i>`;
    return `• <a href="${escapeHtml(c.url)}">${label}</a>${at}${unofficial}`;
  });
  return [`<b>${tr(ctx, card.title)}</b>`, ...card.parts.map((p) => tr(ctx, p)), `<i>${tr(ctx, "rights:sources_title")}</i>\n${sources.join("\n")}`].join("\n\n");
}

/** "Sources checked on …" (or between two dates), said once under the last card. */
export function checkedHtml(ctx: QadamContext, checked: ResultView["checked"]): string {
  if (!checked) return "";
  const line =
    checked.from === checked.to
      ? tr(ctx, "rights:checked", { date: localDate(checked.from) })
      : tr(ctx, "rights:checked_range", { from: localDate(checked.from), to: localDate(checked.to) });
  return `<i>${line}</i>`;
}

/**
 * The result: the closing text, a summary of the needs, one message per card, then what to do
 * now (urgent help, the disclaimer) with the node's buttons. Returns the last message's id.
 */
async function showResult(ctx: QadamContext, view: QuestionView, result: ResultView): Promise<number> {
  await send(ctx, tr(ctx, view.text));
  const summary = result.summary.length
    ? result.summary.map((line) => `• ${tr(ctx, line.label)}: ${tr(ctx, line.answer)}`).join("\n")
    : tr(ctx, "rights:summary_none");
  await send(ctx, `${tr(ctx, "rights:summary_title")}\n${summary}`);
  if (result.cards.length === 0) await send(ctx, tr(ctx, "rights:no_cards"));
  for (const [i, card] of result.cards.entries()) {
    const last = i === result.cards.length - 1;
    await send(ctx, last ? `${cardHtml(ctx, card)}\n\n${checkedHtml(ctx, result.checked)}` : cardHtml(ctx, card));
  }
  return send(ctx, resultClosing(ctx, view.type === "choice"), keyboard(ctx, view.buttons));
}

/** The result's last message: urgent help, the disclaimer, what next, and the offer if it asks. */
function resultClosing(ctx: QadamContext, asks: boolean): string {
  const closing = [tr(ctx, "rights:urgent"), tr(ctx, "rights:disclaimer"), tr(ctx, "rights:after")];
  if (asks) closing.push(`<b>${tr(ctx, "rights:offer")}</b>`);
  return closing.join("\n\n");
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

/**
 * Every stored answer, numbered, with a button to change each: for /mydata ("edit": go back into
 * the interview from there) and the review screen ("revise": change it, then come straight back).
 * Answers kept for questions further on are listed after, without buttons.
 */
export function answerList(ctx: QadamContext, action: "edit" | "revise"): { lines: string[]; rows: InlineKeyboardButton[][] } {
  const { flows } = ctx.deps;
  const st = ctx.session.interview;
  if (!st) return { lines: [], rows: [] };
  const path = walk(flows, st.answers).path;
  const shown = (ref: string) => isQuestion(flows.nodes.get(ref)!) && !flows.nodes.get(ref)!.review && !flows.nodes.get(ref)!.result;
  const answered = path.filter(shown);
  const ahead = Object.keys(st.answers).filter((ref) => !path.includes(ref) && flows.nodes.has(ref) && shown(ref));
  const line = (ref: string, label: string) => {
    const node = flows.nodes.get(ref)!;
    return `${label}${firstLine(tr(ctx, questionMsg(flows, node, st.answers)))}\n   → ${tr(ctx, answerMsg(flows, node, st.answers[ref]!))}`;
  };
  const lines = answered.map((ref, i) => line(ref, `${i + 1}. `));
  if (ahead.length) lines.push([tr(ctx, "common:mydata.ahead"), ...ahead.map((ref) => line(ref, "• "))].join("\n"));
  const buttons = answered.map((ref, i) => ({ text: tr(ctx, "common:buttons.change", { n: i + 1 }), callback_data: encodeButton({ type: action, ref }, st.step) }));
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += 4) rows.push(buttons.slice(i, i + 4));
  return { lines, rows };
}

/** The first line of a question, without tags, short enough for a list. */
function firstLine(html: string): string {
  const line = html.split("\n").find((l) => l.trim()) ?? "";
  const text = line.replace(/<[^>]+>/g, "").trim();
  return text.length <= 100 ? text : text.slice(0, 99).replace(/&[^;\s]*$/, "") + "…";
}
