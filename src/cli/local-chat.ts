/**
 * The local chat: the real bot, driven from a terminal instead of Telegram. Every Bot API call
 * the bot makes is answered here (and checked against what Telegram would refuse); messages
 * print as plain text, option buttons as numbers and navigation buttons as letters. The person
 * types a number or letter to press a button, or anything else as a message; commands work as
 * in Telegram. It reads piped input too, so it can be scripted:
 *
 *     printf '/start\n5\n1\n' | npm start
 */
import { createInterface } from "node:readline";
import type { Bot, Transformer } from "grammy";
import type { Message, Update, UserFromGetMe } from "grammy/types";
import type { QadamContext } from "../bot/context.js";
import { parseTelegramHtml } from "../telegram/html.js";
import { refusal } from "../telegram/rules.js";

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

type Btn = { text: string; callback_data?: string };
type Markup = { inline_keyboard?: Btn[][] } | undefined;

/** Navigation buttons (back, skip, keep, pause) get letters, so numbers stay free for typed answers. */
const isNav = (data: string | undefined) => /^q\|\d+\|[bskp]$/.test(data ?? "");

/** The terminal side of the chat: renders Bot API calls, and remembers the buttons on screen. */
export class Terminal {
  private nextId = 1;
  private readonly messages = new Map<number, { text: string; markup: string }>();
  /** The latest message with buttons, and its buttons by the key the person types. */
  private keys: { messageId: number; byKey: Map<string, string> } | undefined;

  constructor(private readonly print: (line: string) => void) {}

  /** An API transformer that never reaches Telegram. */
  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    const id = typeof p["message_id"] === "number" ? p["message_id"] : undefined;
    const why = refusal(method, p, id ? this.messages.get(id) : undefined);
    if (why) {
      this.print(`[Telegram would refuse ${method}: ${why}]`);
      return { ok: false, error_code: 400, description: why } as never;
    }
    switch (method) {
      case "sendMessage": {
        const messageId = this.nextId++;
        this.show(messageId, String(p["text"]), p["reply_markup"] as Markup, false);
        const message: Partial<Message> = {
          message_id: messageId,
          date: now(),
          chat: { id: Number(p["chat_id"]), type: "private", first_name: "You" },
          text: String(p["text"]),
        };
        return { ok: true, result: message } as never;
      }
      case "editMessageText":
        if (id !== undefined) this.show(id, String(p["text"]), p["reply_markup"] as Markup, true);
        return { ok: true, result: true } as never;
      case "editMessageReplyMarkup":
        if (id !== undefined) this.show(id, this.messages.get(id)?.text ?? "", p["reply_markup"] as Markup, true, true);
        return { ok: true, result: true } as never;
      case "answerCallbackQuery":
        if (typeof p["text"] === "string" && p["text"]) this.print(`  » ${p["text"]}`);
        return { ok: true, result: true } as never;
      default:
        return { ok: true, result: true } as never;
    }
  };

  private show(messageId: number, html: string, markup: Markup, edited: boolean, keyboardOnly = false): void {
    this.messages.set(messageId, { text: html, markup: JSON.stringify(markup ?? null) });
    const rows = markup?.inline_keyboard ?? [];
    if (!keyboardOnly) {
      const parsed = parseTelegramHtml(html);
      const text = "text" in parsed ? parsed.text : html;
      this.print("");
      // An edited question only gained its answer line: show that, not the whole text again.
      this.print(edited ? `  ✎ ${text.split("\n\n").pop()}` : text);
    }
    if (rows.length === 0) {
      if (this.keys?.messageId === messageId) this.keys = undefined;
      return;
    }
    const byKey = new Map<string, string>();
    let n = 0;
    let letter = 0;
    for (const row of rows) {
      const cells = row.map((b) => {
        const key = isNav(b.callback_data) ? String.fromCharCode(97 + letter++) : String(++n);
        if (b.callback_data) byKey.set(key, b.callback_data);
        return `[${key}] ${b.text}`;
      });
      this.print(`   ${cells.join("   ")}`);
    }
    this.keys = { messageId, byKey };
  }

  /** The update that a typed line stands for: a button press, a command or a message. */
  updateFor(line: string, updateId: number, user: { id: number; language_code?: string }): Update {
    const from = { id: user.id, is_bot: false, first_name: "You", ...(user.language_code ? { language_code: user.language_code } : {}) };
    const chat = { id: user.id, type: "private" as const, first_name: "You" };
    const data = this.keys?.byKey.get(line.trim().toLowerCase());
    if (data && this.keys) {
      return {
        update_id: updateId,
        callback_query: {
          id: String(updateId),
          from,
          chat_instance: "local",
          data,
          message: { message_id: this.keys.messageId, date: now(), chat, text: this.messages.get(this.keys.messageId)?.text ?? "" },
        },
      } as Update;
    }
    const text = line.trim();
    const command = /^\/\w+/.exec(text);
    return {
      update_id: updateId,
      message: {
        message_id: this.nextId++,
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
