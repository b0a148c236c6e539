/**
 * Referrals, the person's side: the consent screen's list of who will read it, sending (sealing,
 * storing ciphertext, queueing delivery), the receipt, keeping or deleting the answers as chosen,
 * and /status. The pure engine brings the person to the `send_referral` node; the hooks here do
 * what only the edge may do, registered with the runner through the bot's dependencies.
 */
import { createHash } from "node:crypto";
import { decodeButton } from "../../flow/codec.js";
import type { InterviewState, StepResult } from "../../flow/engine.js";
import { flowOf, refOf } from "../../flow/model.js";
import { newReceiptCode, normalizeReceiptCode } from "../../referrals/code.js";
import { nameIn } from "../../referrals/partners.js";
import { afterSending, recipientsFor, sendReferral, wantsRelay } from "../../referrals/service.js";
import { escapeHtml } from "../../telegram/html.js";
import { CALLBACKS } from "../callbacks.js";
import { FeatureComposer } from "../composer.js";
import type { InterviewHooks, QadamContext } from "../context.js";
import { choices } from "../keyboards.js";
import { runInterview } from "../runner.js";

import { closePressed, send } from "../send.js";
import { show } from "../show.js";
import { localDate, retentionText, tr } from "../text.js";

export const referral = new FeatureComposer<QadamContext>();
const pm = referral.chatType("private");

/** Values the referral texts ask for: who will read it, how long it is kept. */
function referralParams(ctx: QadamContext, state: InterviewState): void {
  const refs = ctx.deps.referrals;
  ctx.params["referral_retention"] = retentionText(ctx, refs.retentionDays);
  const node = ctx.deps.flows.nodes.get(state.node);
  if (!node || node.flow !== flowOf(ctx.deps.flows, "referral").id) return;
  if (node.type === "choice" && node.review) ctx.session.pendingCode ??= newReceiptCode();
  // The end of the flow (the receipt, or "not now") names no one: the matching is left undone.
  if (node.type === "end") return;
  const r = recipientsFor(refs.flows, refs.cards, refs.directory, state.answers, ctx.lang);
  // Each organisation by its name in the person's language, where the partners file gives one.
  const lines = [r.triage, ...r.partners].map((o) => `• ${escapeHtml(nameIn(o, ctx.lang))}`);
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
  const owner = refs.ownerId(ctx.chat.id);
  const now = refs.now();
  const hash = answersHash(ctx, result.state);
  // The same answers sent again within a day: ask first (a double send is usually a mistake).
  const last = ctx.session.sent;
  const askAgain = last && last.hash === hash && now.getTime() - Date.parse(last.at) < 86_400_000 && ctx.session.again !== hash;
  // "Send" pressed again for a case already stored (after a failure): no question, no limit.
  // Otherwise the limits: so many a day per account; so many an hour for the whole bot, with a
  // word to the staff. Both questions in one round trip (`admit`).
  const today = now.toISOString().slice(0, 10);
  const hour = now.toISOString().slice(0, 13);
  const { limits } = ctx.deps;
  const pending = ctx.session.pendingCode;
  const admission = askAgain
    ? { stored: pending ? (await refs.store.get(pending)) !== undefined : false, counts: [] }
    : await refs.store.admit(pending, [
        { key: `o:${owner}:${today}`, seconds: 86_400, max: limits.perDay },
        { key: `g:${hour}`, seconds: 3_600, max: limits.perHour },
      ]);
  if (!admission.stored) {
    if (askAgain) {
      await send(
        ctx,
        tr(ctx, "referral:again.ask", { code: last.code }),
        choices(ctx, [
          ["referral:again.yes", CALLBACKS.again.yes],
          ["referral:again.no", CALLBACKS.again.no],
        ]),
      );
      return true;
    }
    const [day = 0, global = 0] = admission.counts;
    if (day > limits.perDay) {
      await send(ctx, tr(ctx, "referral:limit.day", { count: limits.perDay }));
      return true;
    }
    if (global > limits.perHour) {
      if (global === limits.perHour + 1) await ctx.deps.desk.alert("staff:alert.busy", { count: limits.perHour });
      await send(ctx, tr(ctx, "referral:limit.busy"));
      return true;
    }
  }
  delete ctx.session.again;
  const code = ctx.session.pendingCode ?? newReceiptCode();
  // Only with the person's consent ("here, through Qadam"): their chat id, sealed, so a lawyer can write to them.
  const contact = wantsRelay(ctx.deps.flows, result.state.answers) ? ctx.deps.desk.sealContact(code, ctx.chat.id) : undefined;
  try {
    const sent = await sendReferral(refs, result.state, {
      code,
      created: refs.now().toISOString(),
      language: ctx.lang,
      owner,
      retentionDays: ctx.deps.retentionDays,
      stored: admission.stored,
      ...(contact ? { contact } : {}),
    });
    // The staff chat hears of a new case once; a second press of "Send" finds it announced.
    if (sent.fresh)
      await ctx.deps.desk.announce(sent.record).catch((e: Error) => ctx.deps.logger.warn({ err: e.message }, "case not announced"));
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
  ctx.session.sent = { code, hash, at: now.toISOString() };
  ctx.params["code"] = code;
  try {
    await show(ctx, result.say, pressed);
    // The end of the conversation: the moment to offer to erase it from the phone.
    await send(
      ctx,
      tr(ctx, kept ? "referral:keep.kept" : "referral:keep.deleted"),
      choices(ctx, [["common:wipe.offer", CALLBACKS.wipe.ask]]),
    );
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
    // Codes cannot be guessed by trying many: a few an hour per chat.
    if ((await refs.store.hit(`s:${refs.ownerId(ctx.chat.id)}`, 3_600)) > 10) return send(ctx, tr(ctx, "referral:status.limited"));
    const code = normalizeReceiptCode(typed);
    const rec = code ? await refs.store.get(code) : undefined;
    return send(ctx, rec ? line(rec) : tr(ctx, "referral:status.unknown"));
  }
  const mine = await refs.store.byOwner(refs.ownerId(ctx.chat.id));
  if (mine.length === 0) return send(ctx, tr(ctx, "referral:status.none"));
  await send(ctx, [tr(ctx, "referral:status.title"), ...mine.map(line)].join("\n"));
});

/** "Reply" under a lawyer's message: the person's next message goes to that lawyer only. */
pm.callbackQuery(/^p\|rep\|/, async (ctx) => {
  const code = ctx.callbackQuery.data.split("|")[2] ?? "";
  const rec = await ctx.deps.referrals.store.get(code);
  const mine = (await ctx.deps.referrals.store.byOwner(ctx.deps.referrals.ownerId(ctx.chat.id))).some((r) => r.code === code);
  if (!rec || !mine || !rec.relay || rec.lawyer === undefined || rec.status === "closed") return send(ctx, tr(ctx, "referral:relay.gone"));
  ctx.session.replyTo = code;
  await send(ctx, tr(ctx, "referral:relay.prompt", { code }));
});

pm.command("cancel", async (ctx, next) => {
  if (!ctx.session.replyTo) return next();
  delete ctx.session.replyTo;
  await send(ctx, tr(ctx, "referral:relay.cancelled"));
});

/** The person's answer to a lawyer: relayed, not kept. */
pm.on("message:text", async (ctx, next) => {
  const code = ctx.session.replyTo;
  if (!code || ctx.message.text.startsWith("/")) return next();
  delete ctx.session.replyTo;
  const rec = await ctx.deps.referrals.store.get(code);
  const ok = rec ? await ctx.deps.desk.relayToLawyer(rec, ctx.message.text) : false;
  if (ok) await ctx.deps.desk.log({ who: "person", role: "person", action: "relay_in", code });
  await send(ctx, tr(ctx, ok ? "referral:relay.sent" : "referral:relay.gone"));
});

/**
 * A short hash of what a referral says about the case (its answers outside the referral screens
 * and the note, which never stay after sending), to spot the same one sent twice.
 */
function answersHash(ctx: QadamContext, state: InterviewState): string {
  const referral = flowOf(ctx.deps.flows, "referral").id;
  const note = refOf(ctx.deps.flows, "note");
  const said = Object.entries(state.answers)
    .filter(([ref]) => ref !== note && ctx.deps.flows.nodes.get(ref)?.flow !== referral)
    .sort(([a], [b]) => byLocale(a, b));
  return createHash("sha256").update(JSON.stringify(said)).digest("base64url").slice(0, 16);
}

/** `localeCompare`'s order (the same default collator), without making it on every call. */
const byLocale = new Intl.Collator().compare;

/** "Send again?": yes sends (the review screen's send option, pressed now); no leaves it. */
pm.callbackQuery(CALLBACKS.again.yes, async (ctx) => {
  const state = ctx.session.interview;
  if (!(await closePressed(ctx)) || !state) return;
  ctx.session.again = answersHash(ctx, state);
  const option = sendOption(ctx);
  if (option) await runInterview(ctx, { type: "choose", option, step: state.step });
});
pm.callbackQuery(CALLBACKS.again.no, (ctx) => closePressed(ctx, tr(ctx, "referral:again.kept")));

/** The option of the review screen that leads to sending (found in the flow data, not named in code). */
function sendOption(ctx: QadamContext): string | undefined {
  const { flows } = ctx.deps;
  for (const n of flows.nodes.values()) {
    if (n.type !== "choice" || !n.review) continue;
    const o = n.options.find((x) => {
      const to = x.next ? flows.nodes.get(x.next) : undefined;
      return to?.type === "end" && to.action === "send_referral";
    });
    if (o) return o.id;
  }
  return undefined;
}

/**
 * An old review screen's "Send", pressed after the case was sent: answered "already sent,
 * QDM-…" on the button, and nothing more (no result again, no second case).
 */
pm.callbackQuery(/^q\|/, async (ctx, next) => {
  const pressed = decodeButton(ctx.callbackQuery.data);
  const sent = ctx.session.sent;
  const stale = pressed?.type === "choose" && pressed.option === sendOption(ctx) && pressed.step !== (ctx.session.interview?.step ?? -1);
  if (!sent || !stale) return next();
  await ctx.answerCallbackQuery({ text: tr(ctx, "referral:already_sent", { code: sent.code }) });
});
