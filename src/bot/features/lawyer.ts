/**
 * Partner lawyers in Telegram: accept or decline a case with the buttons under its sealed file
 * (a decline returns it to triage with a reason), and write to the person through Qadam with
 * `/reply CODE text` or by replying to the case's message. A lawyer reaches only people whose case
 * is assigned to their partner and who agreed to be written to; Qadam keeps counts and times of
 * relayed messages, never their text. To anyone else these do not exist.
 */
import { createHmac } from "node:crypto";
import { normalizeReceiptCode } from "../../referrals/code.js";
import { FeatureComposer } from "../composer.js";
import type { QadamContext } from "../context.js";
import { DECLINE_REASONS, DESK, parseDeskData } from "../desk.js";
import { send } from "../send.js";
import { tr } from "../text.js";

export const lawyer = new FeatureComposer<QadamContext>();

const anonymous = (ctx: QadamContext) =>
  `unknown:${createHmac("sha256", "qadam-audit")
    .update(String(ctx.from?.id ?? 0))
    .digest("hex")
    .slice(0, 12)}`;

/** Accept, decline, and the reasons to decline: only a lawyer of a partner the case went to. */
lawyer.callbackQuery(/^w\|/, async (ctx) => {
  const { desk, referrals } = ctx.deps;
  const partner = desk.partnerOf(ctx.from?.id);
  const data = parseDeskData(ctx.callbackQuery.data);
  const rec = data ? await referrals.store.get(data.code) : undefined;
  const reached =
    rec &&
    partner &&
    (rec.assigned === partner.id ||
      (!rec.assigned && (rec.partners.includes(partner.id) || (await referrals.store.wasSent(rec.code, partner.id)))));
  if (!partner || !data) {
    await desk.log({ who: anonymous(ctx), role: "unknown", action: "denied:lawyer_button" });
    return;
  }
  if (!rec || !reached || rec.status === "closed") {
    await desk.log({ who: `partner:${partner.id}`, role: "lawyer", action: "denied:not_theirs", ...(data ? { code: data.code } : {}) });
    await ctx.answerCallbackQuery({ text: tr(ctx, "staff:lawyer.not_yours") });
    return;
  }
  const log = (action: string, detail?: string) =>
    desk.log({ who: `partner:${partner.id}`, role: "lawyer", action, code: rec.code, ...(detail ? { detail } : {}) });
  if (data.action === "acc") {
    await desk.change(rec.code, { status: "accepted", assigned: partner.id, reason: "" });
    await desk.tellStaff(rec, "staff:accepted", { partner: partner.organisation });
    await log("accept");
    await send(ctx, tr(ctx, "staff:lawyer.accepted", { code: rec.code }));
  } else if (data.action === "dec") {
    const rows = DECLINE_REASONS.map((r) => [{ text: tr(ctx, `staff:decline.${r}`), callback_data: DESK.lawyer("dr", rec.code, r) }]);
    await send(ctx, tr(ctx, "staff:lawyer.decline_prompt", { code: rec.code }), { inline_keyboard: rows });
  } else if (data.action === "dr") {
    const reason = DECLINE_REASONS.find((r) => r === data.arg);
    if (!reason) return;
    await desk.change(rec.code, { status: "declined", assigned: "", reason });
    await desk.tellStaff(rec, "staff:declined", { partner: partner.organisation, reason: { key: `staff:decline.${reason}` } });
    await log("decline", reason);
    await ctx.editMessageText(tr(ctx, "staff:lawyer.declined", { code: rec.code }), { parse_mode: "HTML" }).catch(() => {});
  }
});

/** `/reply CODE text`, or a reply to a message that names the case: to the person, through Qadam. */
async function relay(ctx: QadamContext, code: string | undefined, text: string): Promise<void> {
  const { desk, referrals } = ctx.deps;
  const partner = desk.partnerOf(ctx.from?.id);
  if (!partner || ctx.from === undefined) return;
  const rec = code ? await referrals.store.get(code) : undefined;
  if (!code || !text.trim()) {
    await send(ctx, tr(ctx, "staff:lawyer.reply_usage"));
    return;
  }
  if (!rec || rec.assigned !== partner.id || rec.status === "closed") {
    await desk.log({ who: `partner:${partner.id}`, role: "lawyer", action: "denied:relay", code });
    await send(ctx, tr(ctx, "staff:lawyer.not_yours"));
    return;
  }
  if (!rec.relay) {
    await send(ctx, tr(ctx, "staff:lawyer.no_relay"));
    return;
  }
  const ok = await desk.relayToPerson(rec, ctx.from.id, text.trim());
  await desk.log({ who: `partner:${partner.id}`, role: "lawyer", action: ok ? "relay_out" : "relay_failed", code });
  await send(ctx, tr(ctx, ok ? "staff:lawyer.relayed" : "staff:lawyer.undeliverable"));
}

lawyer.command("reply", async (ctx, next) => {
  if (!ctx.deps.desk.partnerOf(ctx.from?.id)) {
    await ctx.deps.desk.log({ who: anonymous(ctx), role: "unknown", action: "denied:/reply" });
    return next();
  }
  const raw = String(ctx.match ?? "").trim();
  const first = raw.split(/\s+/)[0] ?? "";
  const code = normalizeReceiptCode(first);
  await relay(ctx, code, code ? raw.slice(first.length) : "");
});

/** A lawyer's reply (in Telegram's sense) to the bot's message about a case: relayed to the person. */
lawyer.on("message:text", async (ctx, next) => {
  const replied = ctx.message.reply_to_message;
  if (!replied || !ctx.deps.desk.partnerOf(ctx.from?.id) || ctx.message.text.startsWith("/")) return next();
  const about = replied.caption ?? replied.text ?? "";
  const code = normalizeReceiptCode(/QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(about)?.[0] ?? "");
  if (!code) return next();
  await relay(ctx, code, ctx.message.text);
});
