/**
 * The person's control over their data: see what is stored (/mydata) and change any answer,
 * start over (/restart), delete everything (/delete). Destructive steps ask once to confirm.
 */
import { Composer } from "grammy";
import { encodeButton } from "../../flow/codec.js";
import { answerMsg, questionMsg, startState, walk } from "../../flow/engine.js";
import { isQuestion } from "../../flow/model.js";
import type { QadamContext } from "../context.js";
import { choices, send, tr } from "../render.js";
import { runInterview } from "./interview.js";

export const privacy = new Composer<QadamContext>();
const pm = privacy.chatType("private");

const askDelete = (ctx: QadamContext) =>
  send(ctx, tr(ctx, "common:delete.confirm"), choices(ctx, [["common:delete.yes", "x|yes"], ["common:delete.no", "x|no"]]));
const askRestart = (ctx: QadamContext) =>
  send(ctx, tr(ctx, "common:restart.confirm"), choices(ctx, [["common:restart.yes", "z|yes"], ["common:restart.no", "z|no"]]));

pm.command("delete", askDelete);
pm.command("restart", askRestart);
pm.callbackQuery("x|ask", askDelete);
pm.callbackQuery("z|ask", askRestart);

pm.callbackQuery("x|yes", async (ctx) => {
  const done = tr(ctx, "common:delete.done");
  // Assigning null makes grammY delete the stored value (the setter accepts null; the
  // intersection type of our context loses that detail).
  (ctx as { session: unknown }).session = null;
  await ctx.editMessageText(done, { parse_mode: "HTML" });
});
pm.callbackQuery("x|no", (ctx) => ctx.editMessageText(tr(ctx, "common:delete.kept"), { parse_mode: "HTML" }));

pm.callbackQuery("z|yes", async (ctx) => {
  ctx.session.interview = startState(ctx.deps.flows);
  delete ctx.session.lastQuestion;
  await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
  await runInterview(ctx, { type: "current" });
});
pm.callbackQuery("z|no", (ctx) => ctx.editMessageText(tr(ctx, "common:restart.kept"), { parse_mode: "HTML" }));

/** /mydata: every stored answer, numbered, with a button to change each one. */
pm.command("mydata", async (ctx) => {
  const { flows } = ctx.deps;
  const st = ctx.session.interview;
  const lines = [tr(ctx, "common:mydata.title"), tr(ctx, "common:mydata.language", { language: { key: `common:language.names.${ctx.lang}` } })];
  const buttons: { text: string; callback_data: string }[] = [];
  const path = st ? walk(flows, st.answers).path : [];
  const answered = path.filter((ref) => isQuestion(flows.nodes.get(ref)!));
  // Answers kept for questions further on (after a change opened a new question before them).
  const ahead = st ? Object.keys(st.answers).filter((ref) => !path.includes(ref) && isQuestion(flows.nodes.get(ref)!)) : [];
  if (answered.length + ahead.length === 0) lines.push(tr(ctx, "common:mydata.none"));
  const line = (ref: string, label: string) => {
    const node = flows.nodes.get(ref)!;
    const question = firstLine(tr(ctx, questionMsg(flows, node, st!.answers)));
    return `${label}${question}\n   → ${tr(ctx, answerMsg(flows, node, st!.answers[ref]!))}`;
  };
  for (const [i, ref] of answered.entries()) {
    lines.push(line(ref, `${i + 1}. `));
    buttons.push({ text: tr(ctx, "common:buttons.change", { n: i + 1 }), callback_data: encodeButton({ type: "edit", ref }, st!.step) });
  }
  if (ahead.length) lines.push([tr(ctx, "common:mydata.ahead"), ...ahead.map((ref) => line(ref, "• "))].join("\n"));
  lines.push(tr(ctx, "common:mydata.retention"));
  if (answered.length) lines.push(tr(ctx, "common:mydata.footer"));
  const rows = [];
  for (let i = 0; i < buttons.length; i += 3) rows.push(buttons.slice(i, i + 3));
  await send(ctx, lines.join("\n\n"), rows.length ? { inline_keyboard: rows } : undefined);
});

/** The first line of a question, without tags, short enough for a list. */
function firstLine(html: string): string {
  const line = html.split("\n").find((l) => l.trim()) ?? "";
  const text = line.replace(/<[^>]+>/g, "").trim();
  return text.length <= 100 ? text : text.slice(0, 99).replace(/&[^;\s]*$/, "") + "…";
}
