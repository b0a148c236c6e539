/**
 * A recording Bot API for tests: the shared fake Telegram (src/telegram/fake-api.ts) answers
 * every call as Telegram would, refusing what Telegram refuses; this wrapper records the calls
 * and can make a method fail, for fault tests, so a test reads the chat as the person sees it.
 */
import type { Transformer } from "grammy";
import { type FakeMessage, FakeTelegram } from "../../src/telegram/fake-api.js";

export type Shown = FakeMessage;

type TelegramError = { error_code: number; description: string; parameters?: { retry_after?: number } };

export class Recorder {
  readonly calls: { method: string; payload: Record<string, unknown> }[] = [];
  private nextId = 100;
  private readonly telegram = new FakeTelegram(() => this.nextId++);
  readonly refusals = this.telegram.refusals;
  readonly messages = this.telegram.messages;
  readonly answeredCallbacks = this.telegram.answeredCallbacks;
  /** Documents delivered, in order. */
  readonly documents = this.telegram.documents;
  /** Ids of messages deleted, in order. */
  readonly deleted = this.telegram.deleted;
  /**
   * The person's own message, numbered from the same sequence as the bot's (as Telegram numbers a
   * private chat's messages), so the bot can delete it as Telegram would let it. Returns its id.
   */
  received(chatId: number, text: string): number {
    const id = this.nextId++;
    this.telegram.received(id, chatId, text);
    return id;
  }
  /** Methods that fail once with this error, for fault tests: method → Telegram error. */
  readonly failNext = new Map<string, TelegramError>();
  /**
   * Failures to play in order for a method: a Telegram error; "network" (the connection fails, the
   * request never arrives); or "lost" (Telegram takes the request, and the answer is lost on the way back).
   */
  readonly failures = new Map<string, (TelegramError | "network" | "lost")[]>();

  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    this.calls.push({ method, payload: p });
    const queued = this.failures.get(method)?.shift();
    if (queued === "network") throw new Error("connect ECONNRESET (simulated)");
    if (queued === "lost") {
      this.telegram.call(method, p);
      throw new Error("socket hang up (simulated)");
    }
    if (queued) return { ok: false, ...queued } as never;
    const fail = this.failNext.get(method);
    if (fail) {
      this.failNext.delete(method);
      return { ok: false, ...fail } as never;
    }
    return this.telegram.call(method, p) as never;
  };
}
