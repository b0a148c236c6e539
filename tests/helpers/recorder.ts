/**
 * A recording Bot API for tests: answers every call like Telegram would, including refusing what
 * Telegram refuses (long text, broken HTML, oversized callback data, edits that change nothing),
 * and remembers every message so a test can read the chat as the person sees it.
 */
import type { Transformer } from "grammy";
import { parseTelegramHtml } from "../../src/telegram/html.js";
import { refusal } from "../../src/telegram/rules.js";

export interface Shown {
  id: number;
  chatId: number;
  html: string;
  text: string;
  buttons: { text: string; data: string }[][];
  protect: boolean;
}

export class Recorder {
  readonly calls: { method: string; payload: Record<string, unknown> }[] = [];
  readonly refusals: string[] = [];
  readonly messages = new Map<number, Shown>();
  readonly answeredCallbacks = new Set<string>();
  /** Documents delivered, in order. */
  readonly documents: { chatId: number; caption: string }[] = [];
  /** Methods that fail once with this error, for fault tests: method → Telegram error. */
  readonly failNext = new Map<string, { error_code: number; description: string; parameters?: { retry_after?: number } }>();
  /** Failures to play in order for a method: a Telegram error, or "network" (the request never arrives). */
  readonly failures = new Map<string, ({ error_code: number; description: string; parameters?: { retry_after?: number } } | "network")[]>();
  private nextId = 100;

  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    this.calls.push({ method, payload: p });
    const queued = this.failures.get(method)?.shift();
    if (queued === "network") throw new Error("connect ECONNRESET (simulated)");
    if (queued) return { ok: false, ...queued } as never;
    const fail = this.failNext.get(method);
    if (fail) {
      this.failNext.delete(method);
      return { ok: false, ...fail } as never;
    }
    const id = typeof p["message_id"] === "number" ? p["message_id"] : undefined;
    const prev = id !== undefined ? this.messages.get(id) : undefined;
    const why = refusal(method, p, prev ? { text: prev.html, markup: JSON.stringify(markupOf(prev)) } : undefined);
    if (why) {
      this.refusals.push(`${method}: ${why}`);
      return { ok: false, error_code: 400, description: why } as never;
    }
    switch (method) {
      case "sendMessage": {
        const shown = this.store(this.nextId++, Number(p["chat_id"]), String(p["text"]), p["reply_markup"], p["protect_content"] === true);
        return {
          ok: true,
          result: { message_id: shown.id, date: 0, chat: { id: shown.chatId, type: "private" }, text: shown.text },
        } as never;
      }
      case "editMessageText": {
        if (!prev) return { ok: false, error_code: 400, description: "Bad Request: message to edit not found" } as never;
        this.store(prev.id, prev.chatId, String(p["text"]), p["reply_markup"], prev.protect);
        return { ok: true, result: true } as never;
      }
      case "editMessageReplyMarkup": {
        if (!prev) return { ok: false, error_code: 400, description: "Bad Request: message to edit not found" } as never;
        this.store(prev.id, prev.chatId, prev.html, p["reply_markup"], prev.protect);
        return { ok: true, result: true } as never;
      }
      case "sendDocument": {
        const id = this.nextId++;
        this.documents.push({ chatId: Number(p["chat_id"]), caption: String(p["caption"] ?? "") });
        return { ok: true, result: { message_id: id, date: 0, chat: { id: Number(p["chat_id"]), type: "private" } } } as never;
      }
      case "answerCallbackQuery":
        this.answeredCallbacks.add(String(p["callback_query_id"]));
        return { ok: true, result: true } as never;
      default:
        return { ok: true, result: true } as never;
    }
  };

  private store(id: number, chatId: number, html: string, markup: unknown, protect: boolean): Shown {
    const parsed = parseTelegramHtml(html);
    const rows = ((markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard ?? []).map(
      (r) => r.map((b) => ({ text: b.text, data: b.callback_data })),
    );
    const shown = { id, chatId, html, text: "text" in parsed ? parsed.text : html, buttons: rows, protect };
    this.messages.set(id, shown);
    return shown;
  }
}

function markupOf(s: Shown) {
  return s.buttons.length ? { inline_keyboard: s.buttons.map((r) => r.map((b) => ({ text: b.text, callback_data: b.data }))) } : null;
}
