/**
 * The NGO's desk in Telegram: who is staff or a lawyer, the case card in the staff chat (posted
 * when a referral arrives, edited in place as the case moves, so the chat reads as the queue),
 * reminders for cases left untouched, the short notice to the person when their case moves, and
 * the relay between a lawyer and the person. The staff, lawyer and referral features all use it
 * through the bot's dependencies, so none imports another.
 *
 * What reaches staff is triage metadata only (code, country, language, areas of need, urgency,
 * partners): never the person's identity or answers. The person's chat id is kept only when they
 * agreed to be written to through Qadam, encrypted like the session; relayed text is never kept.
 */
import { type Api, GrammyError } from "grammy";
import type { InlineKeyboardButton } from "grammy/types";
import type { i18n } from "i18next";
import type { Lang } from "../i18n/index.js";
import { fixedT, localDate, type Msg, translate } from "../i18n/translate.js";
import type { Logger } from "../logger.js";
import type { Directory, Partner } from "../referrals/partners.js";
import type { RecordPatch, ReferralRecord, ReferralStore, Status } from "../referrals/store.js";
import { decryptValue, encryptValue, type Keyring } from "../storage/cipher.js";
import { escapeHtml, plain } from "../telegram/html.js";
import type { Audit, AuditEntry } from "../triage/audit.js";

/** Why staff close a case, and why a lawyer declines one (ids; texts in `staff:close.*`, `staff:decline.*`). */
export const CLOSE_REASONS = ["helped", "referred", "no_contact", "duplicate", "withdrawn", "other"] as const;
export const DECLINE_REASONS = ["conflict", "capacity", "field", "other"] as const;

/** Callback data of staff (`s|…`), lawyer (`w|…`) and relay (`p|…`) buttons: short ASCII, under 64 bytes. */
export const DESK = {
  staff: (action: string, code: string, arg?: string) => `s|${action}|${code}${arg ? `|${arg}` : ""}`,
  lawyer: (action: string, code: string, arg?: string) => `w|${action}|${code}${arg ? `|${arg}` : ""}`,
  reply: (code: string) => `p|rep|${code}`,
  page: (page: number, filter: string) => `s|q|${page}|${filter}`,
};

/** Parses `x|action|code[|arg]`. */
export function parseDeskData(data: string): { kind: string; action: string; code: string; arg?: string } | undefined {
  const [kind, action, code, arg] = data.split("|");
  if (!kind || !action || !code) return undefined;
  return { kind, action, code, ...(arg ? { arg } : {}) };
}

export type Role = "triage" | "admin";

export interface DeskDeps {
  api: Api;
  i18n: i18n;
  store: ReferralStore;
  directory: Directory;
  audit: Audit;
  keyring: Keyring;
  logger: Logger;
  now: () => Date;
}

const OPEN: readonly Status[] = ["received", "in_review", "assigned", "accepted", "declined"];
const HOUR = 3_600_000;

export class Desk {
  constructor(readonly d: DeskDeps) {}

  get staff() {
    return this.d.directory.staff;
  }

  /** The staff role of a Telegram user, if they are staff. */
  roleOf(userId: number | undefined): Role | undefined {
    return this.staff?.members.find((m) => m.telegram_id === userId)?.role;
  }

  /** The partner whose lawyer this Telegram user is, if any. */
  partnerOf(userId: number | undefined): Partner | undefined {
    return userId === undefined ? undefined : this.d.directory.partners.find((p) => p.lawyers.includes(userId));
  }

  isStaffChat(chatId: number | undefined): boolean {
    return chatId !== undefined && chatId === this.staff?.chat_id;
  }

  /** A partner's own chat (where their copies arrive), if it is a Telegram chat. */
  isPartnerChat(chatId: number | undefined): boolean {
    return this.d.directory.partners.some((p) => p.transport.type === "telegram" && p.transport.chat_id === chatId);
  }

  async log(e: Omit<AuditEntry, "at">): Promise<void> {
    await this.d.audit
      .add({ ...e, at: this.d.now().toISOString() })
      .catch((err: Error) => this.d.logger.warn({ err: err.message }, "audit"));
  }

  t(lang: string, msg: Msg | string, params?: Msg["params"]): string {
    return translate(fixedT(this.d.i18n, lang), msg, params);
  }

  partnerName(id: string | undefined): string {
    return id ? (this.d.directory.partners.find((p) => p.id === id)?.organisation ?? id) : "";
  }

  /** The case card: triage metadata only. */
  cardHtml(rec: ReferralRecord, lang: string): string {
    const t = (m: Msg | string, p?: Msg["params"]) => this.t(lang, m, p);
    const list = (keys: string[]) => keys.map((k) => ({ key: k }));
    const lines = [
      t("staff:card.title", { code: rec.code }),
      t("staff:card.country", { country: { key: `referral:country.${rec.country || "other"}` } }),
      t("staff:card.language", { language: { key: `common:language.names.${rec.language}` } }),
      t("staff:card.status", { status: { key: `staff:status.${rec.status}` } }),
      t(rec.urgency === "high" ? "staff:card.urgency_high" : "staff:card.urgency_normal"),
    ];
    if (rec.reasons.length) lines.push(t("staff:card.why", { reasons: list(rec.reasons.map((r) => `staff:urgency.${r}`)) }));
    lines.push(
      rec.needs.length
        ? t("staff:card.needs", { needs: list(rec.needs.map((n) => `needs:areas.options.${n}`)) })
        : t("staff:card.no_needs"),
    );
    lines.push(rec.partners.length ? t("staff:card.partners", { partners: rec.partners.join(", ") }) : t("staff:card.no_partners"));
    if (rec.assigned) lines.push(t("staff:card.assigned", { partner: this.partnerName(rec.assigned) }));
    if (rec.reason)
      lines.push(
        t("staff:card.reason", { reason: { key: rec.status === "closed" ? `staff:close.${rec.reason}` : `staff:decline.${rec.reason}` } }),
      );
    lines.push(t(rec.relay ? "staff:card.relay_yes" : "staff:card.relay_no"));
    if (rec.relayed) lines.push(t("staff:card.relayed", { count: rec.relayed }));
    lines.push(t("staff:card.sent", { date: `${localDate(rec.created.slice(0, 10))} ${rec.created.slice(11, 16)} UTC` }));
    return lines.join("\n");
  }

  /** The card's buttons: the main row, or the partners to assign to, or the reasons to close. */
  cardKeyboard(rec: ReferralRecord, lang: string, view: "main" | "assign" | "close" = "main"): InlineKeyboardButton[][] {
    const b = (key: string, data: string, params?: Msg["params"]): InlineKeyboardButton => ({
      text: plain(this.t(lang, key, params)),
      callback_data: data,
    });
    if (rec.status === "closed") return [];
    if (view === "assign") {
      const rows = this.d.directory.partners.map((p) => [
        {
          text: `${p.id === rec.assigned ? "✅ " : ""}${p.id}${rec.partners.includes(p.id) ? "" : " ✉"}`,
          callback_data: DESK.staff("to", rec.code, p.id),
        },
      ]);
      return [...rows, [b("staff:buttons.back", DESK.staff("case", rec.code))]];
    }
    if (view === "close") {
      const rows = CLOSE_REASONS.map((r) => [b(`staff:close.${r}`, DESK.staff("cl", rec.code, r))]);
      return [...rows, [b("staff:buttons.back", DESK.staff("case", rec.code))]];
    }
    const main: InlineKeyboardButton[][] = [];
    main.push([
      ...(rec.status === "received" || rec.status === "declined" ? [b("staff:buttons.review", DESK.staff("rev", rec.code))] : []),
      b("staff:buttons.assign", DESK.staff("as", rec.code)),
    ]);
    main.push([
      ...(rec.urgency === "high" ? [] : [b("staff:buttons.urgent", DESK.staff("urg", rec.code))]),
      b("staff:buttons.note", DESK.staff("note", rec.code)),
    ]);
    main.push([b("staff:buttons.close", DESK.staff("close", rec.code))]);
    return main;
  }

  private thread(): { message_thread_id?: number } {
    return this.staff?.topic_id ? { message_thread_id: this.staff.topic_id } : {};
  }

  /** Posts a new case's card in the staff chat, and remembers where, to edit it later. */
  async announce(rec: ReferralRecord): Promise<void> {
    const staff = this.staff;
    if (!staff) return;
    const sent = await this.d.api.sendMessage(staff.chat_id, this.cardHtml(rec, staff.language), {
      parse_mode: "HTML",
      reply_markup: { inline_keyboard: this.cardKeyboard(rec, staff.language) },
      ...this.thread(),
    });
    await this.d.store.update(rec.code, { card: sent.message_id });
  }

  /** Redraws the case card in place (a card that cannot be edited is left as it is). */
  async refresh(rec: ReferralRecord, view: "main" | "assign" | "close" = "main"): Promise<void> {
    const staff = this.staff;
    if (!staff || rec.card === undefined) return;
    try {
      await this.d.api.editMessageText(staff.chat_id, rec.card, this.cardHtml(rec, staff.language), {
        parse_mode: "HTML",
        reply_markup: { inline_keyboard: this.cardKeyboard(rec, staff.language, view) },
      });
    } catch (e) {
      if (!(e instanceof GrammyError && e.description.includes("not modified")))
        this.d.logger.warn({ code: rec.code, err: (e as Error).message }, "card not edited");
    }
  }

  /**
   * Applies a change made by staff or a lawyer: stores it, marks the case touched, redraws the
   * card and, if the status moved and the person agreed, tells them there is news.
   */
  async change(code: string, patch: RecordPatch): Promise<ReferralRecord | undefined> {
    const before = await this.d.store.get(code);
    if (!before) return undefined;
    const at = this.d.now().toISOString();
    await this.d.store.update(code, { ...patch, touched: at, ...(patch.status && patch.status !== before.status ? { updated: at } : {}) });
    const after = await this.d.store.get(code);
    if (!after) return undefined;
    await this.refresh(after);
    if (after.status !== before.status) await this.notifyPerson(after);
    return after;
  }

  /** A warning to the staff chat (or, without one, the log): abuse limits reached and the like. */
  async alert(key: string, params: Msg["params"] = {}): Promise<void> {
    const staff = this.staff;
    this.d.logger.warn({ alert: key }, "alert");
    if (!staff) return;
    await this.d.api
      .sendMessage(staff.chat_id, this.t(staff.language, key, params), { parse_mode: "HTML", ...this.thread() })
      .catch((e: Error) => this.d.logger.warn({ err: e.message }, "alert not posted"));
  }

  /** Posts a line in the staff chat, under the case card when there is one. */
  async tellStaff(rec: ReferralRecord, key: string, params: Msg["params"] = {}): Promise<void> {
    const staff = this.staff;
    if (!staff) return;
    await this.d.api.sendMessage(staff.chat_id, this.t(staff.language, key, { code: rec.code, ...params }), {
      parse_mode: "HTML",
      ...this.thread(),
      ...(rec.card !== undefined ? { reply_parameters: { message_id: rec.card, allow_sending_without_reply: true } } : {}),
    });
  }

  /**
   * Announces again every open case untouched for `remind_after_hours` (a high-urgency one after
   * `remind_high_after_hours`), once per quiet spell. Returns the codes announced.
   */
  async remind(): Promise<string[]> {
    const staff = this.staff;
    if (!staff) return [];
    const now = this.d.now();
    const out: string[] = [];
    for (const rec of await this.d.store.all()) {
      if (!OPEN.includes(rec.status)) continue;
      const hours = rec.urgency === "high" ? staff.remind_high_after_hours : staff.remind_after_hours;
      const since = Math.max(Date.parse(rec.touched), rec.reminded ? Date.parse(rec.reminded) : 0);
      if (now.getTime() - since < hours * HOUR) continue;
      await this.tellStaff(rec, rec.urgency === "high" ? "staff:remind_high" : "staff:remind", {
        hours: Math.floor((now.getTime() - Date.parse(rec.touched)) / HOUR),
      });
      await this.d.store.update(rec.code, { reminded: now.toISOString() });
      out.push(rec.code);
    }
    return out;
  }

  /** The person's chat id, sealed for storage (only with their consent to a relay). */
  sealContact(code: string, chatId: number): string {
    return encryptValue(this.d.keyring, `qadam:c:${code}`, String(chatId));
  }

  private async personChat(code: string): Promise<number | undefined> {
    const sealed = await this.d.store.contact(code);
    if (!sealed) return undefined;
    const plainText = decryptValue(this.d.keyring, `qadam:c:${code}`, sealed);
    return plainText instanceof Error ? undefined : Number(plainText);
  }

  /** "There is news about your request": never the content of the case. */
  async notifyPerson(rec: ReferralRecord): Promise<void> {
    if (!rec.relay) return;
    const chat = await this.personChat(rec.code);
    if (chat === undefined) return;
    await this.d.api
      .sendMessage(chat, this.t(rec.language, "referral:notice.moved", { code: rec.code }), { parse_mode: "HTML", protect_content: true })
      .catch((e: Error) => this.d.logger.warn({ code: rec.code, err: e.message }, "notice not delivered"));
  }

  /** A lawyer's message to the person, framed in the person's language, with a Reply button. Returns false if it cannot be delivered. */
  async relayToPerson(rec: ReferralRecord, lawyer: number, text: string): Promise<boolean> {
    const chat = rec.relay ? await this.personChat(rec.code) : undefined;
    if (chat === undefined) return false;
    const lang = rec.language as Lang;
    await this.d.api.sendMessage(chat, this.t(lang, "referral:relay.from_lawyer", { code: rec.code, text }), {
      parse_mode: "HTML",
      protect_content: true,
      reply_markup: { inline_keyboard: [[{ text: plain(this.t(lang, "referral:relay.reply")), callback_data: DESK.reply(rec.code) }]] },
    });
    await this.relayed(rec.code, { relayed: rec.relayed + 1, lawyer });
    return true;
  }

  /** The person's answer, to the lawyer who wrote to them last, and to no one else. */
  async relayToLawyer(rec: ReferralRecord, text: string): Promise<boolean> {
    if (rec.lawyer === undefined) return false;
    const partner = this.partnerOf(rec.lawyer);
    if (!partner || partner.id !== rec.assigned) return false;
    const lang = partner.languages[0] ?? "en";
    await this.d.api.sendMessage(rec.lawyer, this.t(lang, "staff:lawyer.from_person", { code: rec.code, text }), {
      parse_mode: "HTML",
      protect_content: true,
    });
    await this.relayed(rec.code, { relayed: rec.relayed + 1 });
    return true;
  }

  /** Counts a relayed message (never its text), marks the case touched, and redraws its card. */
  private async relayed(code: string, patch: RecordPatch): Promise<void> {
    const at = this.d.now().toISOString();
    await this.d.store.update(code, { ...patch, relayedAt: at, touched: at });
    const rec = await this.d.store.get(code);
    if (rec) await this.refresh(rec);
  }
}

/** Escapes a lawyer's or person's text for the frame it is shown in. */
export const quoted = (text: string): string => escapeHtml(text);
