/**
 * For people whose phone may be searched: /wipe erases this conversation's messages from the chat
 * (after a confirmation that says honestly what cannot be erased), /panic erases them at once,
 * drops the unsent answers and leaves one neutral line, and discreet mode (offered on the first
 * screen, or /discreet) erases each question and answer as the interview moves on, with a panic
 * button on every step. /verify prints the phrase the NGO publishes, to tell the real bot from a
 * look-alike.
 */

import { CALLBACKS } from "../callbacks.js";
import { FeatureComposer } from "../composer.js";
import { askToConfirm } from "../confirm.js";
import type { QadamContext } from "../context.js";
import { runInterview } from "../runner.js";
import { closePressed, send } from "../send.js";
import { eraseSpan } from "../span.js";
import { tr } from "../text.js";

export const safety = new FeatureComposer<QadamContext>();
const pm = safety.chatType("private");

const askWipe = askToConfirm("common:wipe.confirm", ["common:wipe.yes", CALLBACKS.wipe.yes], ["common:wipe.no", CALLBACKS.wipe.no]);

pm.command("wipe", askWipe);
pm.callbackQuery(CALLBACKS.wipe.ask, askWipe);

pm.callbackQuery(CALLBACKS.wipe.yes, async (ctx) => {
  const erased = await eraseSpan(ctx, ctx.callbackQuery.message?.message_id);
  // Said in a new message, which stays: the only trace left, and it names nothing of the case.
  await ctx.api.sendMessage(ctx.chat.id, tr(ctx, erased ? "common:wipe.done" : "common:wipe.nothing"), {
    parse_mode: "HTML",
    protect_content: true,
  });
});
pm.callbackQuery(CALLBACKS.wipe.no, (ctx) => closePressed(ctx, tr(ctx, "common:wipe.cancelled")));

/** At once: erase what can be erased, drop the unsent answers, leave one neutral line. */
async function panic(ctx: QadamContext): Promise<void> {
  await eraseSpan(ctx, ctx.message?.message_id ?? ctx.callbackQuery?.message?.message_id);
  delete ctx.session.interview;
  delete ctx.session.lastQuestion;
  delete ctx.session.pendingCode;
  delete ctx.session.replyTo;
  if (ctx.chat) await ctx.api.sendMessage(ctx.chat.id, tr(ctx, "common:panic.done"));
}
pm.command("panic", panic);
pm.callbackQuery(CALLBACKS.panic, panic);

/** Discreet mode on (the first screen's second button, which also goes on) or toggled by /discreet. */
pm.callbackQuery(CALLBACKS.discreet, async (ctx) => {
  ctx.session.discreet = true;
  await send(ctx, tr(ctx, "common:discreet.on"));
  const step = ctx.session.interview?.step ?? 0;
  await runInterview(ctx, { type: "done", step }, ctx.callbackQuery.message?.message_id);
});
pm.command("discreet", async (ctx) => {
  ctx.session.discreet = !ctx.session.discreet;
  await send(ctx, tr(ctx, ctx.session.discreet ? "common:discreet.on" : "common:discreet.off"));
});

pm.command("verify", (ctx) => {
  const phrase = ctx.deps.verifyPhrase;
  return send(ctx, phrase ? tr(ctx, "common:verify.phrase", { phrase }) : tr(ctx, "common:verify.none"));
});
