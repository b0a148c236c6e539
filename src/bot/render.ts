/**
 * Turns what the engine says into Telegram messages: translated, HTML-escaped where the text is
 * the person's own, split under Telegram's 4096-character limit, and sent with protect_content
 * so a message about someone's case cannot be forwarded or saved from the chat.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Button, Msg, QuestionView, Say } from "../flow/engine.js";
import type { CardView, ResultView } from "../rights/evaluate.js";
import { LANGS } from "../i18n/index.js";
import type { QadamContext } from "./context.js";
import { escapeHtml, LIMITS } from "./telegram-rules.js";

/** Translates a message. Plain string params are the person's own text and get escaped. */
export function tr(ctx: QadamContext, msg: Msg | string, params?: Msg["params"]): string {
  const m: Msg = typeof msg === "string" ? { key: msg, ...(params ? { params } : {}) } : msg;
  const values: Record<string, string | number> = { retention: retention(ctx) };
  for (const [k, v] of Object.entries(m.params ?? {})) {
    values[k] = typeof v === "number" ? v : typeof v === "string" ? escapeHtml(v) : Array.isArray(v) ? v.map((x) => tr(ctx, x)).join(", ") : tr(ctx, v);
  }
  if (m.context) values["context"] = m.context;
  return ctx.t(m.key, values) as string;
}

function retention(ctx: QadamContext): string {
  return ctx.t("common:retention", { count: ctx.deps.retentionDays }) as string;
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

/** Splits HTML at line breaks so each piece fits Telegram's limit (our tags never span lines). */
export function splitHtml(html: string, limit: number = LIMITS.text): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const line of html.split("\n")) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= limit) {
      current = candidate;
      continue;
    }
    if (current) pieces.push(current);
    current = line.length <= limit ? line : line.slice(0, limit - 1) + "…";
  }
  if (current.trim()) pieces.push(current);
  return pieces;
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
    ctx.deps.logger.warn({ update: ctx.update.update_id, err: (e as Error).message }, "could not close a question");
  }
}

/**
 * Shows what the engine said. `pressed` is the message whose button was pressed, if any: a
 * stale press is answered on the button itself, a ticked option redraws that keyboard only, and
 * an answered question is closed with the answer so the chat reads as a transcript.
 */
export async function show(ctx: QadamContext, says: Say[], pressed?: number): Promise<void> {
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
        const html = `${tr(ctx, say.question)}\n\n<b>${tr(ctx, "common:answer.yours", { answer: say.answer })}</b>`;
        await tryEdit(ctx, target, splitHtml(html)[0]!);
      }
      delete ctx.session.lastQuestion;
    } else if (say.view.refresh && pressed) {
      await ctx.api.editMessageReplyMarkup(ctx.chat!.id, pressed, { reply_markup: keyboard(ctx, say.view.buttons) });
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

/** One card as a message: title, the parts that apply, its sources and when they were checked. */
export function cardHtml(ctx: QadamContext, card: CardView, checked: string | undefined): string {
  const sources = card.cite.map((c) => {
    const label = tr(ctx, c.label);
    const at = c.at ? `, ${tr(ctx, "rights:cite_at", { at: c.at })}` : "";
    return `• <a href="${escapeHtml(c.url)}">${label}</a>${at}`;
  });
  return [
    `<b>${tr(ctx, card.title)}</b>`,
    ...card.parts.map((p) => tr(ctx, p)),
    `<i>${tr(ctx, "rights:sources_title")}</i>\n${sources.join("\n")}`,
    ...(checked ? [`<i>${tr(ctx, "rights:checked", { date: localDate(checked) })}</i>`] : []),
  ].join("\n\n");
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
  for (const card of result.cards) await send(ctx, cardHtml(ctx, card, result.checked));
  const closing = [tr(ctx, "rights:urgent"), tr(ctx, "rights:disclaimer"), tr(ctx, "rights:after")].join("\n\n");
  return send(ctx, closing, keyboard(ctx, view.buttons));
}
