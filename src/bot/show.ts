/**
 * Shows what the engine said, in Telegram: notices, questions (a tick redraws only the keyboard),
 * the result with its cards, and the answered question closed with its answer so the chat reads
 * as a transcript. It decides by what the engine says (a notice's reason, a view's flags), never
 * by a text's key.
 */
import { createHash } from "node:crypto";
import type { Say } from "../flow/engine.js";
import { isResult } from "../flow/model.js";
import type { QuestionView } from "../flow/view.js";
import { planOf, resultView } from "../rights/evaluate.js";
import { plain, splitHtml } from "../telegram/html.js";
import { CALLBACKS } from "./callbacks.js";
import type { QadamContext } from "./context.js";
import { keyboard } from "./keyboards.js";
import { send, tryEdit } from "./send.js";
import { eraseOne } from "./span.js";
import { tr } from "./text.js";
import { answerList, planHtml, planKeyboard, questionHtml, resultClosing } from "./views.js";

/**
 * `pressed` is the message whose button was pressed, if any: a stale press is answered on the
 * button itself, a ticked option redraws that keyboard only, and an answered question is closed
 * with the answer.
 */
export async function show(ctx: QadamContext, says: Say[], pressed?: number): Promise<void> {
  // A notice (say, text typed where a button was expected) asks again: at the result, only its
  // last message, not every card again, which would flood a chat that a phone search might read.
  const again = says.some((s) => s.kind === "notice" && (s.reason === "use_buttons" || s.reason === "use_buttons_required"));
  for (const say of says) {
    if (say.kind === "notice") {
      if (say.reason === "stale" && ctx.callbackQuery) {
        await ctx.answerCallbackQuery({ text: plain(tr(ctx, say.msg)) });
        continue;
      }
      await send(ctx, tr(ctx, say.msg));
    } else if (say.kind === "answered") {
      const target = pressed ?? ctx.session.lastQuestion;
      // The person's typed answer: erased if it is revealing, or in discreet mode.
      if (say.sensitive || ctx.session.discreet) await eraseOne(ctx, ctx.message?.message_id);
      if (target && ctx.session.discreet) {
        // Discreet mode: the answered question goes too; the chat keeps only what is still to do.
        await eraseOne(ctx, target);
      } else if (target) {
        // The result's last message holds the urgent-help line: answering its question keeps it.
        const node = ctx.deps.flows.nodes.get(say.ref);
        const asked = node && isResult(node) ? resultClosing(ctx, true) : tr(ctx, say.question);
        const html = `${asked}\n\n<b>${tr(ctx, "common:answer.yours", { answer: say.answer })}</b>`;
        await tryEdit(ctx, target, splitHtml(html)[0] ?? html);
      }
      delete ctx.session.lastQuestion;
    } else if (say.view.refresh && (pressed ?? ctx.session.lastQuestion) && ctx.chat) {
      // A tick, pressed or typed: the question's own keyboard is redrawn, no new message.
      const at = (pressed ?? ctx.session.lastQuestion) as number;
      await ctx.api.editMessageReplyMarkup(ctx.chat.id, at, { reply_markup: keyboard(ctx, say.view.buttons) });
    } else if (say.view.review) {
      const list = answerList(ctx, "revise");
      if (list.lines.length) await send(ctx, list.lines.join("\n\n"), list.rows.length ? { inline_keyboard: list.rows } : undefined);
      ctx.session.lastQuestion = await send(ctx, questionHtml(ctx, say.view), keyboard(ctx, say.view.buttons));
    } else if (say.view.result && again) {
      ctx.session.lastQuestion = await send(ctx, resultClosing(ctx, say.view.type === "choice"), keyboard(ctx, say.view.buttons));
    } else if (say.view.result) {
      ctx.session.lastQuestion = await showResult(ctx, say.view);
    } else if (say.view.ref === ctx.deps.flows.entry) {
      // The first screen: under a neutral persona, its text says nothing of who Qadam is for; and
      // it offers discreet mode beside "Continue".
      const view = ctx.deps.neutral ? { ...say.view, text: { ...say.view.text, context: "neutral" } } : say.view;
      const markup = keyboard(ctx, view.buttons);
      if (!ctx.session.discreet)
        markup.inline_keyboard.splice(1, 0, [{ text: plain(tr(ctx, "common:buttons.discreet")), callback_data: CALLBACKS.discreet }]);
      ctx.session.lastQuestion = await send(ctx, questionHtml(ctx, view), markup);
    } else {
      ctx.session.lastQuestion = await send(ctx, questionHtml(ctx, say.view), keyboard(ctx, say.view.buttons));
    }
  }
  // Discreet mode: a screen moved on from without an answer (an introduction's "Continue", "Back")
  // goes too, so the chat keeps only the screen now open.
  const movedOn = says.some((s) => s.kind === "question" && !s.view.refresh) && says.every((s) => s.kind === "question");
  if (ctx.session.discreet && pressed && movedOn) await eraseOne(ctx, pressed);
}

/**
 * The result, in two messages rather than a wall of cards: the plan (what Qadam understood and the
 * next steps, each opening its card on demand, and "Send me my summary"), then what to do now
 * (urgent help, the disclaimer, the offer) with the node's buttons. Both are computed from the
 * answers stored now. Returns the last message's id.
 */
async function showResult(ctx: QadamContext, view: QuestionView): Promise<number> {
  const answers = ctx.session.interview?.answers ?? {};
  const result = resultView(ctx.deps.flows, ctx.deps.cards, answers);
  const plan = planOf(ctx.deps.flows, ctx.deps.cards, answers);
  const html = planHtml(ctx, plan, result.checked);
  // What the plan says (a digest, not the text: the session keeps no more than it must).
  const steps = createHash("sha256").update(html).digest("base64url").slice(0, 12);
  const before = ctx.session.plan;
  // Back at the result after changing an answer: a plan still in this conversation that the change
  // left as it was is not sent again; a changed one is, saying so.
  const onScreen = before !== undefined && ctx.session.span !== undefined && before.id >= ctx.session.span[0];
  const closing = resultClosing(ctx, view.type === "choice");
  if (onScreen && before.steps === steps)
    return send(ctx, `<i>${tr(ctx, "rights:plan.unchanged")}</i>\n\n${closing}`, keyboard(ctx, view.buttons));
  const intro = onScreen ? `🔄 <b>${tr(ctx, "rights:plan.changed")}</b>` : tr(ctx, view.text);
  const id = await send(ctx, `${intro}\n\n${html}`, planKeyboard(ctx, plan));
  ctx.session.plan = { id, steps };
  return send(ctx, closing, keyboard(ctx, view.buttons));
}
