/**
 * How each thing the person reads is laid out in Telegram HTML: a question, a rights card, the
 * check date of the sources, the result's closing message, and the list of stored answers.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { encodeButton } from "../flow/codec.js";
import { type FlowSet, isQuestion, isResult, nodeAt, refOf } from "../flow/model.js";
import { walk } from "../flow/path.js";
import { answerMsg, type QuestionView, questionMsg } from "../flow/view.js";
import { nameIn } from "../referrals/partners.js";
import type { CardView, Plan, ResultView } from "../rights/evaluate.js";
import { escapeHtml, plain } from "../telegram/html.js";
import { PLAN } from "./callbacks.js";
import type { QadamContext } from "./context.js";
import { localDate, tr } from "./text.js";

export function questionHtml(ctx: QadamContext, v: QuestionView): string {
  const parts: string[] = [];
  if (v.progress) parts.push(`<i>${tr(ctx, v.progress)}</i>`);
  // The help contacts are Qadam's own HTML (escaped here), so they go in as a global, not a param.
  if (v.danger) ctx.params["help"] = helpContacts(ctx);
  parts.push(tr(ctx, v.text));
  if (v.help) parts.push(`<i>${tr(ctx, v.help)}</i>`);
  if (v.current) parts.push(tr(ctx, v.current));
  if (v.hint) parts.push(`<i>${tr(ctx, v.hint)}</i>`);
  return parts.join("\n\n");
}

/**
 * One card as a message: title, the parts that apply, and its sources (a secondary source is
 * marked as not an official source). The check date is said once per result, not on every card.
 */
export function cardHtml(ctx: QadamContext, card: CardView, o: { sources?: boolean } = {}): string {
  const text = [`<b>${tr(ctx, card.title)}</b>`, ...card.parts.map((p) => tr(ctx, p))];
  if (o.sources === false) return text.join("\n\n");
  const sources = card.cite.map((c) => {
    const label = tr(ctx, c.label);
    const at = c.at ? `, ${tr(ctx, c.many ? "rights:cite_at_list" : "rights:cite_at", { at: c.at })}` : "";
    const unofficial = c.official ? "" : ` <i>(${tr(ctx, "rights:unofficial")})</i>`;
    return `• <a href="${escapeHtml(c.url)}">${label}</a>${at}${unofficial}`;
  });
  return [...text, `<i>${tr(ctx, "rights:sources_title")}</i>\n${sources.join("\n")}`].join("\n\n");
}

/**
 * The plan, the first thing of the result, one phone screen: that a deadline may be running (if
 * one may), what Qadam understood, the next steps most urgent first, and the sources' check date.
 */
export function planHtml(ctx: QadamContext, plan: Plan, checked: ResultView["checked"], o: { document?: boolean } = {}): string {
  const out: string[] = [];
  if (plan.deadline) out.push(`⏳ <b>${tr(ctx, "rights:plan.deadline_first")}</b>`);
  if (plan.understood.length)
    out.push(
      `<b>${tr(ctx, "rights:plan.understood")}</b>\n${plan.understood.map((line) => `• ${line.map((m) => tr(ctx, m)).join(" · ")}`).join("\n")}`,
    );
  if (plan.steps.length)
    out.push(
      `<b>${tr(ctx, o.document ? "rights:plan.steps_document" : "rights:plan.steps")}</b>\n${plan.steps.map((s, i) => `${i + 1}. ${tr(ctx, s.text)}`).join("\n")}`,
    );
  else out.push(tr(ctx, "rights:no_cards"));
  if (plan.more) out.push(`<i>${tr(ctx, "rights:plan.more", { count: plan.more })}</i>`);
  const date = checkedHtml(ctx, checked);
  if (date) out.push(date);
  return out.join("\n\n");
}

/** Under the plan: a button per step (its number), and "Send me my summary". */
export function planKeyboard(ctx: QadamContext, plan: Plan): InlineKeyboardMarkup {
  const steps = plan.steps.map((s, i) => ({ text: `${i + 1} ▸`, callback_data: PLAN.card(s.card) }));
  return {
    inline_keyboard: [...(steps.length ? [steps] : []), [{ text: plain(tr(ctx, "rights:plan.keep")), callback_data: PLAN.keep }]],
  };
}

/** Under a card opened from the plan: its sources (unless shown), and the way back to the plan. */
export function cardKeyboard(ctx: QadamContext, card: string, sourcesShown: boolean): InlineKeyboardMarkup {
  const back = { text: plain(tr(ctx, "rights:plan.back")), callback_data: PLAN.back };
  return {
    inline_keyboard: sourcesShown ? [[back]] : [[{ text: plain(tr(ctx, "rights:plan.sources")), callback_data: PLAN.sources(card) }, back]],
  };
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
 * Where to turn in danger, for the country the person named (or `other`): the emergency numbers
 * and the organisations the partners file gives, one per line, in the person's language. Every
 * number and contact comes from that file; without one, the local emergency number is named.
 */
export function helpContacts(ctx: QadamContext): string {
  const { flows, referrals } = ctx.deps;
  const answer = ctx.session.interview?.answers[refOf(flows, "country")];
  const country = answer?.kind === "value" && (answer.value === "kz" || answer.value === "uz") ? answer.value : "other";
  const help = referrals.directory.help[country];
  const lines: string[] = [];
  if (help?.ambulance) lines.push(`🚑 ${tr(ctx, "common:help_contacts.ambulance")}: <b>${escapeHtml(help.ambulance)}</b>`);
  if (help?.police) lines.push(`🚓 ${tr(ctx, "common:help_contacts.police")}: <b>${escapeHtml(help.police)}</b>`);
  if (help?.emergency) lines.push(`🆘 ${tr(ctx, "common:help_contacts.emergency")}: <b>${escapeHtml(help.emergency)}</b>`);
  if (lines.length === 0) lines.push(`🆘 ${tr(ctx, "common:help_contacts.local")}`);
  for (const c of help?.contacts ?? []) {
    const ways = [c.phone, c.telegram, c.url].filter((w): w is string => Boolean(w)).map(escapeHtml);
    lines.push(`🤝 ${escapeHtml(nameIn(c, ctx.lang))}${ways.length ? `: ${ways.join(" · ")}` : ""}`);
  }
  return lines.join("\n");
}

/** The result's last message: urgent help, the disclaimer, what next, and the offer if it asks. */
export function resultClosing(ctx: QadamContext, asks: boolean): string {
  ctx.params["help"] = helpContacts(ctx);
  const closing = [tr(ctx, "rights:urgent"), tr(ctx, "rights:disclaimer"), tr(ctx, "rights:after")];
  if (asks) closing.push(`<b>${tr(ctx, "rights:offer")}</b>`);
  return closing.join("\n\n");
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
  const shown = (ref: string) => listed(flows, ref);
  const answered = path.filter(shown);
  const ahead = Object.keys(st.answers).filter((ref) => !path.includes(ref) && flows.nodes.has(ref) && shown(ref));
  const line = (ref: string, label: string) => {
    const node = nodeAt(flows, ref);
    const answer = st.answers[ref];
    // A revealing answer (a phone number, a note, a date) is not spelled out here either.
    const said =
      answer && node.sensitive && answer.kind === "value" ? tr(ctx, "common:answer.saved") : answer ? tr(ctx, answerMsg(node, answer)) : "";
    return `${label}${firstLine(tr(ctx, questionMsg(flows, node, st.answers)))}\n   → ${said}`;
  };
  const lines = answered.map((ref, i) => line(ref, `${i + 1}. `));
  if (ahead.length) lines.push([tr(ctx, "common:mydata.ahead"), ...ahead.map((ref) => line(ref, "• "))].join("\n"));
  const buttons = answered.map((ref, i) => ({
    // The button names the question by its short label ("✏ 3 · Country"), not only by its number;
    // the label goes in as a message, translated, not as a string (that would be escaped as the
    // person's own text, and a button is not HTML).
    text: tr(ctx, "common:buttons.change", { n: i + 1, label: { key: `${ref.replace("/", ":")}.short` } }),
    callback_data: encodeButton({ type: action, ref }, st.step),
  }));
  // One to a row: a label that names the question needs the phone's whole width (up to 30 characters).
  const rows: InlineKeyboardButton[][] = buttons.map((b) => [b]);
  return { lines, rows };
}

/** Questions listed with their answers: not the review screen nor the result's own question. */
function listed(flows: FlowSet, ref: string): boolean {
  const node = flows.nodes.get(ref);
  return node !== undefined && isQuestion(node) && !isResult(node) && !(node.type === "choice" && node.review);
}

/** The first line of a question, without tags, short enough for a list. */
function firstLine(html: string): string {
  const line = html.split("\n").find((l) => l.trim()) ?? "";
  const text = line.replace(/<[^>]+>/g, "").trim();
  return text.length <= 100 ? text : `${text.slice(0, 99).replace(/&[^;\s]*$/, "")}…`;
}
