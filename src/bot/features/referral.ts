/**
 * Referrals, the person's side: the consent screen's list of who will read it, sending (sealing,
 * storing ciphertext, queueing delivery), the receipt, keeping or deleting the answers as chosen,
 * and /status. The pure engine brings the person to the `send_referral` node; the hooks here do
 * what only the edge may do, registered with the runner through the bot's dependencies.
 */
import { Composer } from "grammy";
import type { InterviewState, StepResult } from "../../flow/engine.js";
import { flowOf } from "../../flow/model.js";
import { newReceiptCode, normalizeReceiptCode } from "../../referrals/code.js";
import { afterSending, recipientsFor, sendReferral } from "../../referrals/service.js";
import { escapeHtml } from "../../telegram/html.js";
import type { InterviewHooks, QadamContext } from "../context.js";
import { send } from "../send.js";
import { show } from "../show.js";
import { localDate, tr } from "../text.js";

export const referral = new Composer<QadamContext>();
const pm = referral.chatType("private");

/** Values the referral texts ask for: who will read it, how long it is kept. */
function referralParams(ctx: QadamContext, state: InterviewState): void {
  const refs = ctx.deps.referrals;
  ctx.params["referral_retention"] = ctx.t("common:retention", { count: refs.retentionDays }) as string;
  const node = ctx.deps.flows.nodes.get(state.node);
  if (!node || node.flow !== flowOf(ctx.deps.flows, "referral").id) return;
  if (node.type === "choice" && node.review) ctx.session.pendingCode ??= newReceiptCode();
  const r = recipientsFor(refs.flows, refs.cards, refs.directory, state.answers, ctx.lang);
  const lines = [`• ${escapeHtml(r.triage.organisation)}`, ...r.partners.map((p) => `• ${escapeHtml(p.organisation)}`)];
  if (r.partners.length === 0) lines.push(`<i>${tr(ctx, "referral:no_match")}</i>`);
  ctx.params["recipients"] = lines.join("\n");
}

/**
 * The person has just pressed "Send": seal and dispatch first, and only then show the receipt
 * and keep the new state. If sending fails, nothing changes: the person is still at the review
 * screen and can press "Send" again.
 */
async function sendIfArrived(
  ctx: QadamContext,
  _before: InterviewState | undefined,
  result: StepResult,
  pressed?: number,
): Promise<boolean> {
  const refs = ctx.deps.referrals;
  if (!ctx.chat) return false;
  const code = ctx.session.pendingCode ?? newReceiptCode();
  try {
    await sendReferral(refs, result.state, {
      code,
      created: refs.now().toISOString(),
      language: ctx.lang,
      owner: refs.ownerId(ctx.chat.id),
      retention: (lang) => ctx.deps.i18n.getFixedT(lang)("common:retention", { count: ctx.deps.retentionDays }) as string,
    });
  } catch (e) {
    ctx.deps.logger.error({ update: ctx.update.update_id, err: (e as Error).message }, "referral not sent");
    await send(ctx, tr(ctx, "referral:failed"));
    return true;
  }
  ctx.deps.logger.info({ update: ctx.update.update_id }, "referral sent");
  // The case is sealed and on its way: the contact details and the note leave the server now,
  // before anything is shown, so a receipt that fails to arrive can neither keep them here nor
  // leave the person at "Send" to send the case twice.
  const kept = afterSending(ctx.deps.flows, result.state);
  if (kept) ctx.session.interview = kept;
  else delete ctx.session.interview;
  delete ctx.session.lastQuestion;
  delete ctx.session.pendingCode;
  ctx.params["code"] = code;
  try {
    await show(ctx, result.say, pressed);
    await send(ctx, tr(ctx, kept ? "referral:keep.kept" : "referral:keep.deleted"));
  } catch (e) {
    ctx.deps.logger.warn({ update: ctx.update.update_id, err: (e as Error).message }, "receipt not shown");
    await send(ctx, tr(ctx, "referral:receipt_lost")).catch(() => {});
  }
  return true;
}

/** What the referral feature adds to the interview's steps. */
export const referralHooks: InterviewHooks = { prepare: referralParams, actions: { send_referral: sendIfArrived } };

/** /status [code]: where a sent case stands. Without a code: every case from this account. */
pm.command("status", async (ctx) => {
  const refs = ctx.deps.referrals;
  const typed = ctx.match.trim();
  const line = (r: { code: string; status: string; updated: string }) =>
    tr(ctx, "referral:status.line", {
      code: r.code,
      status: { key: `referral:status.${r.status}` },
      date: localDate(r.updated.slice(0, 10)),
    });
  if (typed) {
    const code = normalizeReceiptCode(typed);
    const rec = code ? await refs.store.get(code) : undefined;
    return send(ctx, rec ? line(rec) : tr(ctx, "referral:status.unknown"));
  }
  const mine = await refs.store.byOwner(refs.ownerId(ctx.chat.id));
  if (mine.length === 0) return send(ctx, tr(ctx, "referral:status.none"));
  await send(ctx, [tr(ctx, "referral:status.title"), ...mine.map(line)].join("\n"));
});
