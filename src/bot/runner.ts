/**
 * Runs the interview for one chat: every input goes through the pure engine; this module loads
 * and stores the state, lets the registered node actions do what only the edge may do (sealing a
 * referral when the person arrives at `send_referral`), and shows what the engine said. Features
 * call it; it calls no feature: actions come in through the bot's dependencies.
 */
import type { Input } from "../flow/engine.js";
import { startState, step } from "../flow/engine.js";
import { CALLBACKS } from "./callbacks.js";
import type { QadamContext } from "./context.js";
import { choices } from "./keyboards.js";
import { send } from "./send.js";
import { show } from "./show.js";
import { tr } from "./text.js";

/** Runs one input through the engine, stores the new state, shows what it says. */
export async function runInterview(ctx: QadamContext, input: Input, pressed?: number): Promise<void> {
  const { flows, logger, hooks } = ctx.deps;
  const before = ctx.session.interview;
  const result = step(flows, before ?? startState(flows), input);
  // Which node a person reached is a trail of what they told: debug only. Info carries the update and the kind of input.
  logger.debug({ update: ctx.update.update_id, input: input.type, node: result.state.node }, "step");
  logger.info({ update: ctx.update.update_id, input: input.type }, "step");
  for (const h of hooks) h.prepare?.(ctx, result.state);
  const node = flows.nodes.get(result.state.node);
  if (node?.type === "end" && node.action && before?.node !== node.ref) {
    for (const h of hooks) {
      const act = h.actions?.[node.action];
      if (act && (await act(ctx, before, result, pressed))) return;
    }
  }
  ctx.session.interview = result.state;
  await show(ctx, result.say, pressed);
}

/** /start once a language is chosen: a returning person is offered to continue, start over or delete. */
export async function start(ctx: QadamContext): Promise<void> {
  const answered = Object.keys(ctx.session.interview?.answers ?? {}).length;
  if (answered === 0) return runInterview(ctx, { type: "current" });
  await send(
    ctx,
    tr(ctx, "common:resume.prompt"),
    choices(ctx, [
      ["common:resume.continue", CALLBACKS.resume],
      ["common:resume.restart", CALLBACKS.restart.ask],
      ["common:resume.delete", CALLBACKS.delete.ask],
    ]),
  );
}
