/**
 * The interview's commands and buttons: /start, answers by button or by typing, /back, /pause,
 * and "continue where I stopped". A language is always chosen before any of these arrive (the
 * language gate sees to it); every input goes to the runner.
 */

import { decodeButton } from "../../flow/codec.js";
import type { Input } from "../../flow/engine.js";
import { LANGS } from "../../i18n/index.js";
import { comparable } from "../../i18n/translit.js";
import { CALLBACKS } from "../callbacks.js";
import { FeatureComposer } from "../composer.js";
import type { QadamContext } from "../context.js";
import { runInterview, start } from "../runner.js";
import { closePressed, send } from "../send.js";
import { tr } from "../text.js";

export const interview = new FeatureComposer<QadamContext>();
const pm = interview.chatType("private");

pm.command("start", start);
pm.command("back", (ctx) => runInterview(ctx, { type: "back_command" }));
pm.command("pause", (ctx) => send(ctx, tr(ctx, "common:pause")));

pm.callbackQuery(CALLBACKS.resume, async (ctx) => {
  if (!(await closePressed(ctx))) return;
  // Stopped at a "not now" ending: continuing means seeing that question again, not the ending.
  const at = ctx.session.interview && ctx.deps.flows.nodes.get(ctx.session.interview.node);
  await runInterview(ctx, at?.type === "end" && !at.final ? { type: "back_command" } : { type: "current" });
});

pm.callbackQuery(/^q\|/, async (ctx) => {
  const pressed = decodeButton(ctx.callbackQuery.data);
  if (!pressed) return start(ctx);
  await runInterview(ctx, pressed, ctx.callbackQuery.message?.message_id);
});

pm.on("message:text", async (ctx, next) => {
  if (ctx.message.text.startsWith("/")) return next();
  await runInterview(ctx, typedChoice(ctx, ctx.message.text) ?? { type: "text", text: ctx.message.text, today: ctx.deps.today() });
});

/**
 * Someone may type an option instead of pressing it, in either script ("Oʻzbekiston",
 * "Ozbekiston", "Ўзбекистон"), or in another of Qadam's languages ("Казахстан" while reading
 * English): at a choice or multi-choice question, a typed text equal to an option's label counts
 * as pressing it.
 */
function typedChoice(ctx: QadamContext, text: string): Input | undefined {
  const state = ctx.session.interview;
  const node = state && ctx.deps.flows.nodes.get(state.node);
  if (!state || (node?.type !== "choice" && node?.type !== "multi")) return undefined;
  for (const lang of [ctx.lang, ...LANGS.filter((l) => l !== ctx.lang)]) {
    const t = ctx.deps.i18n.getFixedT(lang);
    const typed = comparable(text, lang);
    const option = node.options.find((o) => comparable(t(o.labelKey) as string, lang) === typed);
    // On a multi-choice question, a typed option ticks it (or unticks it), as pressing it would.
    if (option) return { type: node.type === "choice" ? "choose" : "toggle", option: option.id, step: state.step };
  }
  return undefined;
}
