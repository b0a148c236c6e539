/**
 * A chat as Telegram keeps it, without Telegram: one core shared by the local chat (the terminal),
 * the tests' recording API and the Bot API emulator. It answers the calls Qadam makes the way
 * Telegram does, refuses what Telegram refuses (long text, broken HTML, oversized callback data,
 * an edit that changes nothing, a message to edit that does not exist), and remembers every
 * message, so each wrapper only adds its own way in and out (printing, recording, HTTP).
 */
import { parseTelegramHtml } from "./html.js";
import { refusal } from "./rules.js";

export interface FakeMessage {
  id: number;
  chatId: number;
  /** As sent, in Telegram HTML. */
  html: string;
  /** As the person sees it: tags parsed, entities decoded. */
  text: string;
  buttons: { text: string; data: string }[][];
  protect: boolean;
  /** Sent by the person, not the bot. */
  fromPerson?: boolean;
}

export type FakeAnswer = { ok: true; result: unknown } | { ok: false; error_code: number; description: string };

type Keyboard = { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;

export class FakeTelegram {
  readonly messages = new Map<number, FakeMessage>();
  /** Every call Telegram would have refused, as "method: reason". */
  readonly refusals: string[] = [];
  readonly answeredCallbacks = new Set<string>();
  /** Documents received, in order. */
  readonly documents: { chatId: number; caption: string; name?: string; content?: string }[] = [];

  /** `nextId` numbers new messages (the emulator shares it with the person's own messages). */
  constructor(private readonly nextId: () => number) {}

  /** Answers one Bot API call as Telegram would. */
  call(method: string, payload: Record<string, unknown>): FakeAnswer {
    const id = typeof payload["message_id"] === "number" ? payload["message_id"] : undefined;
    const prev = id !== undefined ? this.messages.get(id) : undefined;
    const why = refusal(method, payload, prev ? { text: prev.html, markup: JSON.stringify(markupOf(prev)) } : undefined);
    if (why) {
      this.refusals.push(`${method}: ${why}`);
      return { ok: false, error_code: 400, description: why };
    }
    const notFound: FakeAnswer = { ok: false, error_code: 400, description: "Bad Request: message to edit not found" };
    switch (method) {
      case "sendMessage": {
        const msg = this.store(
          this.nextId(),
          Number(payload["chat_id"]),
          String(payload["text"]),
          payload["reply_markup"],
          payload["protect_content"] === true,
        );
        return { ok: true, result: { message_id: msg.id, date: 0, chat: { id: msg.chatId, type: "private" }, text: msg.text } };
      }
      case "editMessageText":
        if (!prev) return notFound;
        this.store(prev.id, prev.chatId, String(payload["text"]), payload["reply_markup"], prev.protect);
        return { ok: true, result: true };
      case "editMessageReplyMarkup":
        if (!prev) return notFound;
        this.store(prev.id, prev.chatId, prev.html, payload["reply_markup"], prev.protect);
        return { ok: true, result: true };
      case "sendDocument": {
        const chatId = Number(payload["chat_id"]);
        const doc = payload["document"];
        const file =
          doc && typeof doc === "object" && "name" in doc && "content" in doc
            ? { name: String(doc.name), content: String(doc.content) }
            : {};
        this.documents.push({ chatId, caption: String(payload["caption"] ?? ""), ...file });
        return { ok: true, result: { message_id: this.nextId(), date: 0, chat: { id: chatId, type: "private" } } };
      }
      case "answerCallbackQuery":
        this.answeredCallbacks.add(String(payload["callback_query_id"]));
        return { ok: true, result: true };
      case "deleteMessage":
        // Telegram refuses to delete what is not there; the deleted are remembered for tests.
        if (!prev || prev.chatId !== Number(payload["chat_id"]))
          return { ok: false, error_code: 400, description: "Bad Request: message to delete not found" };
        this.forget(prev.id);
        return { ok: true, result: true };
      case "deleteMessages": {
        const ids = Array.isArray(payload["message_ids"]) ? (payload["message_ids"] as number[]) : [];
        if (ids.length < 1 || ids.length > 100)
          return { ok: false, error_code: 400, description: "Bad Request: message_ids must have 1 to 100 ids" };
        // Ids that are not found are skipped, as Telegram does.
        // Message ids are per chat in Telegram: only this chat's messages can be deleted here.
        for (const id of ids) if (this.messages.get(id)?.chatId === Number(payload["chat_id"])) this.forget(id);
        return { ok: true, result: true };
      }
      default:
        return { ok: true, result: true };
    }
  }

  /** Ids of messages deleted (from the bot's side or the person's), in order. */
  readonly deleted: number[] = [];

  private forget(id: number): void {
    this.messages.delete(id);
    this.deleted.push(id);
  }

  /** The person's own message, as Telegram holds it (tests: so the bot can delete it). */
  received(id: number, chatId: number, text: string): void {
    this.messages.set(id, { id, chatId, html: text, text, buttons: [], protect: false, fromPerson: true });
  }

  private store(id: number, chatId: number, html: string, markup: unknown, protect: boolean): FakeMessage {
    const parsed = parseTelegramHtml(html);
    const rows = ((markup as Keyboard)?.inline_keyboard ?? []).map((r) => r.map((b) => ({ text: b.text, data: b.callback_data ?? "" })));
    const msg = { id, chatId, html, text: "text" in parsed ? parsed.text : html, buttons: rows, protect };
    this.messages.set(id, msg);
    return msg;
  }
}

/** A message's keyboard as the Bot API would return it (null when there is none). */
function markupOf(m: FakeMessage) {
  return m.buttons.length ? { inline_keyboard: m.buttons.map((r) => r.map((b) => ({ text: b.text, callback_data: b.data }))) } : null;
}
