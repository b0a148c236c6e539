/**
 * The interview itself: /start, answers by button or by typing, /back, /pause. Every input goes
 * through the pure engine; this composer only loads and stores the state and shows the result.
 */
import { Composer } from "grammy";
import { decodeButton } from "../../flow/codec.js";
import { type Input, startState, step } from "../../flow/engine.js";
import { LANGS } from "../../i18n/index.js";
import { comparable } from "../../i18n/translit.js";
import type { QadamContext } from "../context.js";
import { choices, closePressed, send, show, tr } from "../render.js";
import { askLanguage } from "./language.js";
import { referralParams, sendIfArrived } from "./referral.js";

export const interview = new Composer<QadamContext>();
const pm = interview.chatType("private");

/** Runs one input through the engine, stores the new state, shows what it says. */
export async function runInterview(ctx: QadamContext, input: Input, pressed?: number): Promise<void> {
  const { flows, logger } = ctx.deps;
  const before = ctx.session.interview;
  const result = step(flows, before ?? startState(flows), input);
  logger.info({ update: ctx.update.update_id, input: input.type, node: result.state.node }, "step");
  referralParams(ctx, result.state);
  if (await sendIfArrived(ctx, before, result, pressed)) return;
  ctx.session.interview = result.state;
  await show(ctx, result.say, pressed);
}

/** /start: pick a language first; a returning person is offered to continue, start over or delete. */
export async function start(ctx: QadamContext): Promise<void> {
  if (!ctx.session.lang) return askLanguage(ctx);
  const answered = Object.keys(ctx.session.interview?.answers ?? {}).length;
  if (answered === 0) return runInterview(ctx, { type: "current" });
  await send(
    ctx,
    tr(ctx, "common:resume.prompt"),
    choices(ctx, [
      ["common:resume.continue", "r|c"],
      ["common:resume.restart", "z|ask"],
      ["common:resume.delete", "x|ask"],
    ]),
  );
}

pm.command("start", start);
pm.command("back", (ctx) => (ctx.session.lang ? runInterview(ctx, { type: "back_command" }) : askLanguage(ctx)));
pm.command("pause", (ctx) => send(ctx, tr(ctx, "common:pause")));

pm.callbackQuery("r|c", async (ctx) => {
  if (!(await closePressed(ctx))) return;
  // Stopped at a "not now" ending: continuing means seeing that question again, not the ending.
  const at = ctx.session.interview && ctx.deps.flows.nodes.get(ctx.session.interview.node);
  await runInterview(ctx, at?.type === "end" && !at.final ? { type: "back_command" } : { type: "current" });
});

pm.callbackQuery(/^q\|/, async (ctx) => {
  const pressed = decodeButton(ctx.callbackQuery.data);
  if (!pressed || !ctx.session.lang) return start(ctx);
  await runInterview(ctx, pressed, ctx.callbackQuery.message?.message_id);
});

pm.on("message:text", async (ctx, next) => {
  if (ctx.message.text.startsWith("/")) return next();
  if (!ctx.session.lang) return askLanguage(ctx);
  await runInterview(ctx, typedChoice(ctx, ctx.message.text) ?? { type: "text", text: ctx.message.text, today: ctx.deps.today() });
});

/**
 * Someone may type an option instead of pressing it, in either script ("Oʻzbekiston",
 * "Ozbekiston", "Ўзбекистон"), or in another of Qadam's languages ("Казахстан" while reading
 * English): at a choice question, a typed text equal to an option's label counts as pressing it.
 */
function typedChoice(ctx: QadamContext, text: string): Input | undefined {
  const state = ctx.session.interview;
  const node = state && ctx.deps.flows.nodes.get(state.node);
  if (!state || node?.type !== "choice") return undefined;
  for (const lang of [ctx.lang, ...LANGS.filter((l) => l !== ctx.lang)]) {
    const t = ctx.deps.i18n.getFixedT(lang);
    const typed = comparable(text, lang);
    const option = node.options.find((o) => comparable(t(o.labelKey) as string, lang) === typed);
    if (option) return { type: "choose", option: option.id, step: state.step };
  }
  return undefined;
}
