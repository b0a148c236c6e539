/**
 * NGO staff in Telegram: the case cards' buttons in the staff chat (review, assign, mark urgent,
 * note, close), /queue and /case, a granted file sent into the staff chat, /audit and /stats for
 * admins. To anyone who is not staff these commands do not exist: they get the same reply as any
 * unknown command, and the attempt goes to the audit stream. Staff buttons pressed anywhere but the
 * staff chat do nothing.
 */
import { createHmac } from "node:crypto";
import type { InlineKeyboardButton } from "grammy/types";
import { normalizeReceiptCode } from "../../referrals/code.js";
import { fileName } from "../../referrals/delivery.js";
import { canonical, mergeGrants, parseEnvelope } from "../../referrals/envelope.js";
import { fromB64, keyId } from "../../referrals/keys.js";
import { type ReferralRecord, STATUSES } from "../../referrals/store.js";
import { statsTable } from "../../triage/stats.js";
import { FeatureComposer } from "../composer.js";
import type { QadamContext } from "../context.js";
import { CLOSE_REASONS, DESK, parseDeskData, type Role } from "../desk.js";
import { send } from "../send.js";
import { localDate, tr } from "../text.js";

export const staff = new FeatureComposer<QadamContext>();

/** An unknown user, for the audit stream: an HMAC of their id, not the id itself. */
const anonymous = (ctx: QadamContext) =>
  `unknown:${createHmac("sha256", "qadam-audit")
    .update(String(ctx.from?.id ?? 0))
    .digest("hex")
    .slice(0, 12)}`;

/** Where staff commands work: the staff chat, and a staff member's private chat with the bot. */
function staffHere(ctx: QadamContext): Role | undefined {
  const role = ctx.deps.desk.roleOf(ctx.from?.id);
  if (!role) return undefined;
  return ctx.chat?.type === "private" || ctx.deps.desk.isStaffChat(ctx.chat?.id) ? role : undefined;
}

/**
 * A staff command: runs for staff (admins only, if `admin`), and otherwise is written to the
 * audit stream and passed on, so the person gets exactly what any unknown command gets.
 */
function command(name: string, admin: boolean, run: (ctx: QadamContext, role: Role) => Promise<unknown>) {
  staff.command(name, async (ctx, next) => {
    const role = staffHere(ctx);
    if (!role || (admin && role !== "admin")) {
      await ctx.deps.desk.log({ who: role ? `staff:${ctx.from?.id}` : anonymous(ctx), role: role ?? "unknown", action: `denied:/${name}` });
      return next();
    }
    await run(ctx, role);
  });
}

const who = (ctx: QadamContext) => `staff:${ctx.from?.id}`;

/** `/queue [open|received|…|closed] [kz|uz|other] [high]`: the cases, paged. */
const PAGE = 8;
function filterOf(words: string[]): { status?: string; country?: string; high: boolean; text: string } {
  const status = words.find((w) => w === "open" || (STATUSES as readonly string[]).includes(w)) ?? "open";
  const country = words.find((w) => w === "kz" || w === "uz" || w === "other");
  const high = words.includes("high");
  return { status, ...(country ? { country } : {}), high, text: [status, country, high ? "high" : undefined].filter(Boolean).join(",") };
}

async function queue(ctx: QadamContext, words: string[], page: number): Promise<{ html: string; rows: InlineKeyboardButton[][] }> {
  const f = filterOf(words);
  const all = await ctx.deps.referrals.store.all();
  const hits = all
    .filter((r) => (f.status === "open" ? r.status !== "closed" : r.status === f.status))
    .filter((r) => !f.country || (r.country || "other") === f.country)
    .filter((r) => !f.high || r.urgency === "high")
    .sort((a, b) => (a.urgency === b.urgency ? a.created.localeCompare(b.created) : a.urgency === "high" ? -1 : 1));
  const pages = Math.max(1, Math.ceil(hits.length / PAGE));
  const at = Math.min(Math.max(page, 1), pages);
  const shown = hits.slice((at - 1) * PAGE, at * PAGE);
  const now = ctx.deps.referrals.now().getTime();
  const line = (r: ReferralRecord) =>
    tr(ctx, "staff:queue.line", {
      code: r.code,
      country: { key: `referral:country.${r.country || "other"}` },
      status: { key: `staff:status.${r.status}` },
      urgency: { key: `staff:urgency.${r.urgency}` },
      hours: Math.floor((now - Date.parse(r.created)) / 3_600_000),
    });
  const html = [
    tr(ctx, "staff:queue.title", { filter: f.text, page: at, pages }),
    ...(shown.length ? shown.map(line) : [tr(ctx, "staff:queue.empty")]),
  ].join("\n");
  const rows: InlineKeyboardButton[][] = [];
  if (ctx.deps.desk.isStaffChat(ctx.chat?.id)) {
    for (let i = 0; i < shown.length; i += 2)
      rows.push(shown.slice(i, i + 2).map((r) => ({ text: r.code, callback_data: DESK.staff("case", r.code) })));
    const nav: InlineKeyboardButton[] = [];
    if (at > 1) nav.push({ text: tr(ctx, "staff:buttons.prev"), callback_data: DESK.page(at - 1, f.text) });
    if (at < pages) nav.push({ text: tr(ctx, "staff:buttons.next"), callback_data: DESK.page(at + 1, f.text) });
    if (nav.length) rows.push(nav);
  }
  return { html, rows };
}

command("queue", false, async (ctx) => {
  const { html, rows } = await queue(
    ctx,
    String(ctx.match ?? "")
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean),
    1,
  );
  await send(ctx, html, rows.length ? { inline_keyboard: rows } : undefined);
});

command("case", false, async (ctx) => {
  const code = normalizeReceiptCode(String(ctx.match ?? ""));
  const rec = code ? await ctx.deps.referrals.store.get(code) : undefined;
  if (!rec) return send(ctx, tr(ctx, code ? "staff:case.unknown" : "staff:case.usage", { code: code ?? "" }));
  const buttons = ctx.deps.desk.isStaffChat(ctx.chat?.id) ? ctx.deps.desk.cardKeyboard(rec, ctx.lang) : [];
  await send(ctx, ctx.deps.desk.cardHtml(rec, ctx.lang), buttons.length ? { inline_keyboard: buttons } : undefined);
});

command("audit", true, async (ctx) => {
  const entries = await ctx.deps.desk.d.audit.recent(20);
  const lines = entries.map((e) =>
    tr(ctx, "staff:audit.line", {
      at: `${localDate(e.at.slice(0, 10))} ${e.at.slice(11, 16)}`,
      who: e.who,
      action: e.action,
      code: e.code ?? "",
      detail: e.detail ?? "",
    }),
  );
  await send(ctx, [tr(ctx, "staff:audit.title", { count: entries.length }), ...lines].join("\n"));
  await ctx.deps.desk.log({ who: who(ctx), role: "admin", action: "audit_read" });
});

command("stats", false, async (ctx, role) => {
  const counts = await ctx.deps.referrals.stats.counts();
  const statuses: Record<string, number> = {};
  for (const r of await ctx.deps.referrals.store.all()) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const table = statsTable(counts, statuses);
  const need = (n: string) => (n === "*" ? tr(ctx, "staff:stats.all") : tr(ctx, `needs:areas.options.${n}`));
  const lines = [
    tr(ctx, "staff:stats.title"),
    ...table.rows.map((r) =>
      tr(ctx, "staff:stats.row", {
        quarter: r.quarter,
        country: { key: `referral:country.${r.country}` },
        need: need(r.need),
        count: r.count,
      }),
    ),
    "",
    tr(ctx, "staff:stats.statuses"),
    ...table.statuses.map((s) => tr(ctx, "staff:stats.status", { status: { key: `staff:status.${s.status}` }, count: s.count })),
  ];
  await send(ctx, lines.join("\n"));
  await ctx.deps.desk.log({ who: who(ctx), role, action: "stats_read" });
});

/** The case card's buttons: in the staff chat, from staff; anywhere else they do nothing. */
staff.callbackQuery(/^s\|/, async (ctx) => {
  const role = ctx.deps.desk.roleOf(ctx.from?.id);
  if (!role || !ctx.deps.desk.isStaffChat(ctx.chat?.id)) {
    await ctx.deps.desk.log({ who: role ? who(ctx) : anonymous(ctx), role: role ?? "unknown", action: "denied:button" });
    return;
  }
  const { desk } = ctx.deps;
  const data = parseDeskData(ctx.callbackQuery.data);
  if (!data) return;
  if (data.action === "q") {
    const { html, rows } = await queue(ctx, data.arg?.split(",") ?? [], Number(data.code));
    await ctx.editMessageText(html, { parse_mode: "HTML", reply_markup: { inline_keyboard: rows } }).catch(() => {});
    return;
  }
  const rec = await ctx.deps.referrals.store.get(data.code);
  if (!rec) {
    await ctx.answerCallbackQuery({ text: tr(ctx, "staff:case.unknown", { code: data.code }) });
    return;
  }
  const log = (action: string, detail?: string) => desk.log({ who: who(ctx), role, action, code: rec.code, ...(detail ? { detail } : {}) });
  switch (data.action) {
    case "case":
      // A card asked for with /case or from the queue: show it where it was asked, with its buttons.
      if (ctx.callbackQuery.message?.message_id === rec.card) await desk.refresh(rec);
      else await send(ctx, desk.cardHtml(rec, ctx.lang), { inline_keyboard: desk.cardKeyboard(rec, ctx.lang) });
      return;
    case "rev":
      await desk.change(rec.code, { status: "in_review" });
      await log("review");
      break;
    case "as":
      await desk.refresh(rec, "assign");
      return;
    case "close":
      await desk.refresh(rec, "close");
      return;
    case "urg":
      await desk.change(rec.code, { urgency: "high", reasons: [...new Set(["staff", ...rec.reasons])] });
      await log("urgent");
      break;
    case "note":
      await desk.tellStaff(rec, "staff:note.prompt");
      await log("note");
      return;
    case "cl": {
      const reason = CLOSE_REASONS.find((r) => r === data.arg);
      if (!reason) return;
      await desk.change(rec.code, { status: "closed", reason });
      await log("close", reason);
      break;
    }
    case "to": {
      const partner = ctx.deps.referrals.directory.partners.find((p) => p.id === data.arg);
      if (!partner) return;
      if (rec.partners.includes(partner.id) || (await ctx.deps.referrals.store.wasSent(rec.code, partner.id))) {
        await desk.change(rec.code, { status: "assigned", assigned: partner.id, reason: "" });
        await desk.tellStaff(rec, "staff:assign.done", { partner: partner.organisation });
        await log("assign", partner.id);
      } else {
        // Not an original recipient: only the triage key can open the file for them, offline.
        await desk.refresh(rec);
        await desk.tellStaff(rec, "staff:assign.grant_needed", { partner: partner.id, file: fileName(rec.code), key: partner.public_key });
        await log("assign_grant_asked", partner.id);
      }
      break;
    }
    default:
      return;
  }
  await ctx.answerCallbackQuery({ text: tr(ctx, "staff:done") });
});

/**
 * A granted file sent into the staff chat by staff (made offline with `referral:grant`): checked
 * to be the envelope Qadam sent with a grant for one partner's key, kept, and delivered to that
 * partner; the case is assigned to them. The server handles ciphertext only.
 */
staff.on("message:document", async (ctx, next) => {
  const role = ctx.deps.desk.roleOf(ctx.from?.id);
  if (!role || !ctx.deps.desk.isStaffChat(ctx.chat?.id)) return next();
  const { desk, referrals } = ctx.deps;
  const reply = (key: string, params?: Record<string, string>) => send(ctx, tr(ctx, key, params));
  let text: string;
  try {
    text = await referrals.download(ctx.message.document.file_id);
  } catch {
    return reply("staff:grant.unreadable");
  }
  let env: ReturnType<typeof parseEnvelope>;
  try {
    env = parseEnvelope(text);
  } catch {
    return reply("staff:grant.unreadable");
  }
  const code = env.header.code;
  const kept = await referrals.store.envelope(code);
  if (!kept) return reply("staff:grant.unknown", { code });
  const original = parseEnvelope(kept);
  if (canonical({ ...original, grants: undefined }) !== canonical({ ...env, grants: undefined }))
    return reply("staff:grant.not_ours", { code });
  const partner = referrals.directory.partners.find((p) => env.grants?.some((g) => g.keyId === keyId(fromB64(p.public_key))));
  if (!partner) return reply("staff:grant.no_grant", { code });
  await referrals.store.putEnvelope(code, JSON.stringify(mergeGrants(original, env)));
  await referrals.dispatcher.dispatchGrant(code, partner.id, keyId(fromB64(partner.public_key)));
  await desk.change(code, { status: "assigned", assigned: partner.id, reason: "" });
  await desk.log({ who: who(ctx), role, action: "grant", code, detail: partner.id });
  await reply("staff:grant.taken", { code, partner: partner.organisation });
});
