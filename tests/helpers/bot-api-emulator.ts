/**
 * A small Bot API server on loopback, for end-to-end tests of the Telegram mode: the bot process
 * is started with TELEGRAM_API_ROOT pointing here, long-polls it with @grammyjs/runner, and the
 * test plays the person. It refuses what Telegram refuses (the same rules as the recorder), and
 * receives documents (multipart), so referral delivery is tested over HTTP too.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Update } from "grammy/types";
import { type FakeMessage, FakeTelegram } from "../../src/telegram/fake-api.js";
import { freePort } from "./redis.js";

export type EmulatedMessage = FakeMessage;

export class BotApiEmulator {
  readonly calls: { method: string; payload: Record<string, unknown> }[] = [];
  /** Every request as it arrived, getUpdates included (performance.now() of this process): the start-up bench times them. */
  readonly arrivals: { method: string; at: number }[] = [];
  private queue: Update[] = [];
  private waiting: (() => void)[] = [];
  private nextUpdate = 1;
  private nextMessage = 1;
  private readonly telegram = new FakeTelegram(() => this.nextMessage++);
  readonly refusals = this.telegram.refusals;
  readonly messages = this.telegram.messages;
  readonly answered = this.telegram.answeredCallbacks;
  /** Documents received (sendDocument), with their bytes. */
  readonly documents = this.telegram.documents;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    for (const w of this.waiting) w();
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The person types something (a command when it starts with "/"). */
  userSends(chatId: number, text: string, languageCode?: string): void {
    const command = /^\/\w+/.exec(text);
    this.push({
      update_id: this.nextUpdate++,
      message: {
        message_id: this.nextMessage++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chatId, type: "private", first_name: "P" },
        from: { id: chatId, is_bot: false, first_name: "P", ...(languageCode ? { language_code: languageCode } : {}) },
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
      },
    } as Update);
  }

  /** The person presses the button with this label on the latest message that has buttons. */
  userPresses(chatId: number, label: string): string {
    const msg = [...this.messages.values()].filter((m) => m.chatId === chatId && m.buttons.length).pop();
    const button = msg?.buttons.flat().find((b) => b.text.replace(/^(✅|▫️) /, "") === label);
    if (!msg || !button)
      throw new Error(
        `no button "${label}"; on screen: ${msg?.buttons
          .flat()
          .map((b) => b.text)
          .join(" | ")}`,
      );
    const id = `cb${this.nextUpdate}`;
    this.push({
      update_id: this.nextUpdate++,
      callback_query: {
        id,
        from: { id: chatId, is_bot: false, first_name: "P" },
        chat_instance: "e2e",
        data: button.data,
        message: { message_id: msg.id, date: 0, chat: { id: chatId, type: "private", first_name: "P" }, text: msg.text },
      },
    } as Update);
    return id;
  }

  /** Waits until the predicate holds for the chat's messages. */
  async waitFor(pred: (messages: EmulatedMessage[]) => boolean, what: string, ms = 10_000): Promise<EmulatedMessage[]> {
    const until = Date.now() + ms;
    for (;;) {
      const all = [...this.messages.values()].sort((a, b) => a.id - b.id);
      if (pred(all)) return all;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last message: ${all[all.length - 1]?.text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The webhook a bot set (setWebhook): in webhook mode, tests post the updates themselves. */
  webhook: { url: string; secret: string } | undefined;

  /** The updates made so far and not fetched (webhook mode: the test delivers them). */
  take(): Update[] {
    return this.queue.splice(0);
  }

  private push(u: Update) {
    this.queue.push(u);
    for (const w of this.waiting.splice(0)) w();
  }

  /** While set, sendMessage answers only when it resolves: a reply in flight when the bot is stopped. */
  hold: Promise<void> | undefined;
  /** How many sendMessage calls have waited on `hold`. */
  holding = 0;

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/bot[^/]+\/(\w+)$/.exec(req.url ?? "");
    this.arrivals.push({ method: m?.[1] ?? "", at: performance.now() });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let payload: Record<string, unknown> = {};
    const type = req.headers["content-type"] ?? "";
    if (type.startsWith("multipart/form-data")) {
      // Files come as multipart (grammY's own encoder): a small parser is enough for the emulator.
      const boundary = /boundary="?([^";]+)"?/.exec(type)![1]!;
      for (const part of raw.toString("latin1").split(`--${boundary}`)) {
        const at = part.indexOf("\r\n\r\n");
        if (at < 0) continue;
        const head = part.slice(0, at);
        const body = Buffer.from(part.slice(at + 4).replace(/\r\n$/, ""), "latin1").toString("utf8");
        const name = /name="([^"]+)"/.exec(head)?.[1];
        const file = /filename="?([^"\r\n;]+)"?/.exec(head)?.[1];
        if (!name) continue;
        payload[name] = file ? { name: file, content: body } : /^-?\d+$/.test(body) ? Number(body) : body;
      }
      // A file may be sent as an attach:// reference plus a part of that name.
      for (const [k, v] of Object.entries(payload))
        if (typeof v === "string" && v.startsWith("attach://")) payload[k] = payload[v.slice(9)];
    } else if (raw.length) payload = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    const method = m?.[1] ?? "";
    const reply = (result: unknown): void => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, result }));
    };
    if (method !== "getUpdates") this.calls.push({ method, payload });
    switch (method) {
      case "getMe":
        return reply({
          id: 42,
          is_bot: true,
          first_name: "Qadam",
          username: "qadam_e2e_bot",
          can_join_groups: false,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case "setWebhook":
        this.webhook = { url: String(payload["url"]), secret: String(payload["secret_token"] ?? "") };
        return reply(true);
      case "getUpdates": {
        const offset = Number(payload["offset"] ?? 0);
        this.queue = this.queue.filter((u) => u.update_id >= offset);
        if (this.queue.length === 0) {
          const timeout = Math.min(Number(payload["timeout"] ?? 0), 2) * 1000;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, timeout);
            this.waiting.push(() => {
              clearTimeout(t);
              resolve();
            });
          });
        }
        return reply(this.queue.filter((u) => u.update_id >= offset).slice(0, Number(payload["limit"] ?? 100)));
      }
      case "sendMessage":
        if (this.hold) {
          this.holding++;
          await this.hold;
        }
        break;
      case "editMessageText":
      case "editMessageReplyMarkup":
      case "answerCallbackQuery":
      case "sendDocument":
      case "setMyCommands":
      case "deleteWebhook":
      case "deleteMessage":
      case "deleteMessages":
      case "setMyName":
        break;
      default:
        res
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ ok: false, error_code: 400, description: `Bad Request: ${method} is not emulated` }));
        return;
    }
    // Everything a chat shows goes through the same fake Telegram as the recorder and the local chat.
    const answer = this.telegram.call(method, payload);
    if (answer.ok) return reply(answer.result);
    res.writeHead(answer.error_code, { "content-type": "application/json" }).end(JSON.stringify(answer));
  }
}
