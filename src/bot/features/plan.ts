/**
 * The result's plan, on demand: a step's number opens its card in place of the plan, "Sources"
 * adds the card's sources, "Back" shows the plan again, and "Send me my summary" sends the whole
 * result as one offline document. All is computed again from the answers stored now, so a plan
 * left in the chat never shows what the person has since changed or deleted.
 */
import { InputFile } from "grammy";
import { planOf, resultView } from "../../rights/evaluate.js";
import { splitHtml } from "../../telegram/html.js";
import { decodePlan, PLAN_DATA } from "../callbacks.js";
import { FeatureComposer } from "../composer.js";
import type { QadamContext } from "../context.js";
import { isNotModified, send } from "../send.js";
import { summaryDocument } from "../summary.js";
import { tr } from "../text.js";
import { cardHtml, cardKeyboard, planHtml, planKeyboard } from "../views.js";

export const plan = new FeatureComposer<QadamContext>();
const pm = plan.chatType("private");

pm.callbackQuery(PLAN_DATA, async (ctx) => {
  const press = decodePlan(ctx.callbackQuery.data);
  const answers = ctx.session.interview?.answers;
  const at = ctx.callbackQuery.message?.message_id;
  // After /delete or /restart there is nothing to show: say so on the button.
  if (!press || !answers || at === undefined) return ctx.answerCallbackQuery({ text: tr(ctx, "rights:plan.gone") });
  const result = resultView(ctx.deps.flows, ctx.deps.cards, answers);
  if (press.kind === "keep") {
    await ctx.answerCallbackQuery();
    await ctx.replyWithDocument(new InputFile(Buffer.from(summaryDocument(ctx), "utf8"), "summary.html"), {
      protect_content: true,
      caption: tr(ctx, "rights:summary_doc.caption"),
      parse_mode: "HTML",
    });
    return;
  }
  let html: string;
  let markup: ReturnType<typeof planKeyboard>;
  if (press.kind === "back") {
    const p = planOf(ctx.deps.flows, ctx.deps.cards, answers);
    html = planHtml(ctx, p, result.checked);
    markup = planKeyboard(ctx, p);
  } else {
    const card = result.cards.find((c) => c.id === press.card);
    if (!card) return ctx.answerCallbackQuery({ text: tr(ctx, "rights:plan.gone") });
    html = cardHtml(ctx, card, { sources: press.kind === "sources" });
    markup = cardKeyboard(ctx, card.id, press.kind === "sources");
  }
  await ctx.answerCallbackQuery();
  const pieces = splitHtml(html);
  // A card too long for one message is sent as new messages, the buttons under the last.
  if (pieces.length > 1) return void (await send(ctx, html, markup));
  try {
    await ctx.editMessageText(html, { parse_mode: "HTML", reply_markup: markup, link_preview_options: { is_disabled: true } });
  } catch (e) {
    if (!isNotModified(e)) throw e;
  }
});
