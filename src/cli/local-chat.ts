/**
 * The local chat: the real bot, driven from a terminal instead of Telegram. Every Bot API call
 * the bot makes is answered here (and checked against what Telegram would refuse); messages
 * print as plain text, option buttons as numbers and navigation buttons as letters. The person
 * types a number or letter to press a button, or anything else as a message; commands work as
 * in Telegram. It reads piped input too, so it can be scripted:
 *
 *     printf '/start\n5\n1\n' | npm start
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Bot, Transformer } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { PLAN_DATA } from "../bot/callbacks.js";
import type { QadamContext } from "../bot/context.js";
import { type FakeMessage, FakeTelegram } from "../telegram/fake-api.js";

export const LOCAL_BOT: UserFromGetMe = {
  id: 1,
  is_bot: true,
  first_name: "Qadam",
  username: "qadam_local_bot",
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

/** Navigation buttons (back, skip, keep, pause) get letters, so numbers stay free for typed answers. */
const isNav = (data: string | undefined) => /^q\|\d+\|[bskp]$/.test(data ?? "");
/**
 * The result's plan stays usable after the message below it (the offer of a lawyer) arrives, as
 * in Telegram: its buttons get keys of their own, p1, p2…, valid until the plan is drawn again.
 */
const isPlan = (data: string | undefined) => PLAN_DATA.test(data ?? "");

/**
 * The terminal side of the chat: the shared fake Telegram answers each Bot API call as Telegram
 * would (src/telegram/fake-api.ts); the terminal prints what changed and remembers the buttons on
 * screen.
 */
export class Terminal {
  private nextId = 1;
  private readonly telegram = new FakeTelegram(() => this.nextId++);
  /** The latest message with buttons, and its buttons by the key the person types. */
  private keys: { messageId: number; byKey: Map<string, string> } | undefined;
  /** The plan's buttons (see isPlan), kept beside the latest message's. */
  private planKeys: { messageId: number; byKey: Map<string, string> } | undefined;

  constructor(private readonly print: (line: string) => void) {}

  /** An API transformer that never reaches Telegram. */
  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    const erasedBefore = this.telegram.deleted.length;
    const answer = this.telegram.call(method, p);
    if (!answer.ok) {
      this.print(`[Telegram would refuse ${method}: ${answer.description}]`);
      return answer as never;
    }
    const id =
      method === "sendMessage"
        ? (answer.result as { message_id: number }).message_id
        : typeof p["message_id"] === "number"
          ? p["message_id"]
          : undefined;
    const shown = id === undefined ? undefined : this.telegram.messages.get(id);
    if (method === "sendMessage" || method === "editMessageText" || method === "editMessageReplyMarkup") {
      if (shown) this.show(shown, method !== "sendMessage", method === "editMessageReplyMarkup");
    } else if (method === "answerCallbackQuery" && typeof p["text"] === "string" && p["text"]) this.print(`  » ${p["text"]}`);
    else if (method === "sendDocument") {
      // A file the bot sends (the summary): kept where the person can open it, as a phone would.
      const doc = p["document"] as { filename?: string; fileData?: Uint8Array } | undefined;
      const data = doc?.fileData;
      if (data instanceof Uint8Array) {
        const path = join(tmpdir(), `qadam-${process.pid}-${doc?.filename ?? "file"}`);
        writeFileSync(path, data, { mode: 0o600 });
        this.print(`\n  📄 ${doc?.filename ?? "file"} (${Math.ceil(data.length / 1024)} KB): ${path}`);
      }
    } else if (method === "deleteMessage" || method === "deleteMessages") {
      // What a phone would no longer show.
      this.print(`  ⌫ ${this.telegram.deleted.length - erasedBefore}`);
      // Buttons on an erased message are gone, as on a phone.
      const erased = this.telegram.deleted.slice(erasedBefore);
      if (this.planKeys && erased.includes(this.planKeys.messageId)) this.planKeys = undefined;
      if (this.keys && erased.includes(this.keys.messageId)) this.keys = undefined;
    }
    if (method === "sendMessage")
      return {
        ok: true,
        result: { ...(answer.result as object), date: now(), chat: { id: Number(p["chat_id"]), type: "private", first_name: "You" } },
      } as never;
    return answer as never;
  };

  private show(msg: FakeMessage, edited: boolean, keyboardOnly: boolean): void {
    const plan = msg.buttons.length > 0 && msg.buttons.flat().every((b) => isPlan(b.data));
    if (!keyboardOnly) {
      this.print("");
      // An edited question only gained its answer line: show that, not the whole text again.
      // The plan's message is redrawn whole (a card opened in its place, the plan again).
      this.print(edited && !plan ? `  ✎ ${msg.text.split("\n\n").pop()}` : msg.text);
    }
    if (msg.buttons.length === 0) {
      if (this.keys?.messageId === msg.id) this.keys = undefined;
      return;
    }
    const byKey = new Map<string, string>();
    let n = 0;
    let letter = 0;
    for (const row of msg.buttons) {
      const cells = row.map((b) => {
        const key = plan ? `p${++n}` : isNav(b.data) ? String.fromCharCode(97 + letter++) : String(++n);
        if (b.data) byKey.set(key, b.data);
        return `[${key}] ${b.text}`;
      });
      this.print(`   ${cells.join("   ")}`);
    }
    if (plan) this.planKeys = { messageId: msg.id, byKey };
    else this.keys = { messageId: msg.id, byKey };
  }

  /** The update that a typed line stands for: a button press, a command or a message. */
  updateFor(line: string, updateId: number, user: { id: number; language_code?: string }): Update {
    const from = { id: user.id, is_bot: false, first_name: "You", ...(user.language_code ? { language_code: user.language_code } : {}) };
    const chat = { id: user.id, type: "private" as const, first_name: "You" };
    const typed = line.trim().toLowerCase();
    const on = this.planKeys?.byKey.has(typed) ? this.planKeys : this.keys;
    const data = on?.byKey.get(typed);
    if (data && on) {
      return {
        update_id: updateId,
        callback_query: {
          id: String(updateId),
          from,
          chat_instance: "local",
          data,
          message: {
            message_id: on.messageId,
            date: now(),
            chat,
            text: this.telegram.messages.get(on.messageId)?.html ?? "",
          },
        },
      } as Update;
    }
    const text = line.trim();
    const command = /^\/\w+/.exec(text);
    const messageId = this.nextId++;
    // Telegram holds the person's message too, so the bot may erase it (revealing answers, /wipe).
    this.telegram.received(messageId, chat.id, text);
    return {
      update_id: updateId,
      message: {
        message_id: messageId,
        date: now(),
        chat,
        from,
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
      },
    } as Update;
  }
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Runs the chat until the input ends. Returns the number of lines read, so the caller can tell
 * "nothing was typed and there is no terminal" apart from a finished session.
 */
export async function runLocalChat(
  bot: Bot<QadamContext>,
  opts: { input: NodeJS.ReadableStream; print: (line: string) => void; interactive: boolean; languageCode?: string },
): Promise<number> {
  const terminal = new Terminal(opts.print);
  bot.api.config.use(terminal.transformer);
  await bot.init();
  const user = { id: 1000, ...(opts.languageCode ? { language_code: opts.languageCode } : {}) };
  let updateId = 1;
  let lines = 0;
  if (opts.interactive) await bot.handleUpdate(terminal.updateFor("/start", updateId++, user));
  const rl = createInterface({ input: opts.input, terminal: false });
  for await (const line of rl) {
    if (!line.trim()) continue;
    lines++;
    if (!opts.interactive) opts.print(`\n> ${line}`);
    await bot.handleUpdate(terminal.updateFor(line, updateId++, user));
  }
  return lines;
}
