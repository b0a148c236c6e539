/**
 * The one context type every feature of the bot sees, and what the bot is built from.
 */
import { Context, type SessionFlavor } from "grammy";
import type { Chat, Message, User } from "grammy/types";
import type { i18n } from "i18next";
import type { InterviewState, StepResult } from "../flow/engine.js";
import type { FlowSet } from "../flow/model.js";
import type { NodeAction } from "../flow/schema.js";
import type { Lang, Translate } from "../i18n/index.js";
import type { Logger } from "../logger.js";
import type { ReferralService } from "../referrals/service.js";
import type { CardSet } from "../rights/model.js";
import type { Desk } from "./desk.js";

/** What is stored for one person. Nothing else: no names, no Telegram profile. */
export interface SessionData {
  lang?: Lang;
  interview?: InterviewState;
  /** The message id of the last question shown, so it can be closed when answered. */
  lastQuestion?: number;
  /**
   * The receipt code the case will get, chosen when the review screen is shown: pressing "Send"
   * again after a failure (say, the session could not be saved) finds the case already sent
   * under this code instead of sending it twice.
   */
  pendingCode?: string;
  /** The person pressed "Reply" under a lawyer's message: their next message goes to that lawyer. */
  replyTo?: string;
  /** The per-chat update limit's count (see limit.ts): [window end, ms since the epoch; updates in it]. */
  rate?: [number, number];
  /** The current conversation's messages, for erasing: [lowest id, highest id, start time in seconds]. Ids only. */
  span?: [number, number, number];
  /** Discreet mode: each question and answer is erased as the interview moves on. */
  discreet?: boolean;
  /** The message id of the latest language menu: presses on older menus are stale. */
  langMenu?: number;
  /** The receipt code of the last referral sent from this chat, and a hash of what it said (to ask before sending the same again). */
  sent?: { code: string; hash: string; at: string };
  /** The person was asked whether to send the same answers again. */
  again?: string;
  /** The plan shown last: its message id and a digest of what it said, so a result shown again after a change sends only what changed. */
  plan?: { id: number; steps: string };
}

/** What a feature adds to every step of the interview. */
export interface InterviewHooks {
  /** Before anything is shown: set the values the texts of the coming screens ask for. */
  prepare?: (ctx: QadamContext, state: InterviewState) => void;
  /**
   * On arrival at an end node with this action. Returns true when it has taken over (stored
   * the state and shown what it wanted); false lets the runner go on as usual.
   */
  actions?: Partial<
    Record<NodeAction, (ctx: QadamContext, before: InterviewState | undefined, result: StepResult, pressed?: number) => Promise<boolean>>
  >;
}

/** Referrals to partner lawyers, as the bot uses them. */
export interface BotReferrals extends ReferralService {
  /** Reads a file sent into a chat (a granted referral from staff), as text. */
  download: (fileId: string) => Promise<string>;
  /** The id that links a person's account to their referrals (an HMAC of the chat id). */
  ownerId: (chatId: number) => string;
  retentionDays: number;
  now: () => Date;
}

/** What the bot is built from; tests and the local chat pass their own. */
export interface BotDeps {
  flows: FlowSet;
  cards: CardSet;
  i18n: i18n;
  logger: Logger;
  retentionDays: number;
  /** Today's date as YYYY-MM-DD: the clock stays at the edge. */
  today: () => string;
  referrals: BotReferrals;
  /** The NGO's desk: staff, lawyers, case cards, notices and the relay. */
  desk: Desk;
  /** A neutral persona: the first screen does not say who Qadam is for. */
  neutral: boolean;
  /** The phrase the NGO publishes so people can tell the real bot from look-alikes (/verify). */
  verifyPhrase?: string;
  /** Abuse limits: referrals per account a day, for the whole bot an hour; updates per chat in 10 s. */
  limits: { perDay: number; perHour: number; updatesPer10s: number };
  /** What features add to the interview's steps (set by the bot's wiring). */
  hooks: readonly InterviewHooks[];
}

export interface QadamFlavor {
  deps: BotDeps;
  lang: Lang;
  t: Translate;
  /** Extra values for texts in this update (e.g. the recipients on the consent screen). */
  params: Record<string, string>;
  /** The last message sent in this update: if the session then cannot be saved, it is turned into that notice. */
  shown?: number;
}

export type QadamContext = Context & SessionFlavor<SessionData> & QadamFlavor;

/**
 * grammY's context, with the message, chat and sender found once per update. grammY looks each up
 * through a dozen getters on every read, and an update reads them a dozen times (the private-chat
 * check, the session key, the limit, the features): 3% of an update's CPU (`--cpu-prof`, 30.11).
 * An update does not change while it is handled, so neither do they.
 */
export class QadamBaseContext extends Context {
  #msg: Message | undefined | typeof UNKNOWN = UNKNOWN;
  #chat: Chat | undefined | typeof UNKNOWN = UNKNOWN;
  #from: User | undefined | typeof UNKNOWN = UNKNOWN;
  override get msg(): Message | undefined {
    if (this.#msg === UNKNOWN) this.#msg = super.msg;
    return this.#msg;
  }
  override get chat(): Chat | undefined {
    if (this.#chat === UNKNOWN) this.#chat = super.chat;
    return this.#chat;
  }
  override get from(): User | undefined {
    if (this.#from === UNKNOWN) this.#from = super.from;
    return this.#from;
  }
}
const UNKNOWN = Symbol("not looked up yet");
