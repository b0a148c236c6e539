/**
 * Drives the real bot the way a person would: typing, pressing buttons by their visible label,
 * sending commands. After every update it checks what Telegram would have checked: no refused
 * call, and every button press answered.
 */

import type { Update } from "grammy/types";
import { expect } from "vitest";
import { type App, buildApp } from "../../src/app.js";
import { LOCAL_BOT } from "../../src/cli/local-chat.js";
import { loadConfig } from "../../src/config.js";
import { TEST_KEYS, TEST_SECRET } from "./spawn.js";

export { TEST_KEYS, TEST_SECRET } from "./spawn.js";

import type { Lang } from "../../src/i18n/index.js";
import { createLogger } from "../../src/logger.js";
import { Recorder, type Shown } from "./recorder.js";

export interface TestBot {
  app: App;
  api: Recorder;
}

/** The real bot, with a recording API; memory sessions unless a Redis URL is given. */
export async function testBot(
  env: Record<string, string> = {},
  today = "2026-11-27",
  extra: {
    startWorker?: boolean;
    retryBaseMs?: number;
    lockMs?: number;
    now?: () => Date;
    download?: (fileId: string) => Promise<string>;
  } = {},
): Promise<TestBot> {
  // Scripted people send more referrals a day than anyone: the limit is raised unless a story tests it.
  const config = loadConfig({ SESSION_KEYS: TEST_KEYS, SESSION_SECRET: TEST_SECRET, REFERRALS_PER_DAY: "100", ...env });
  const app = await buildApp(config, createLogger((process.env["TEST_LOG"] as "error" | undefined) ?? "silent"), {
    botInfo: LOCAL_BOT,
    today: () => today,
    ...extra,
  });
  const api = new Recorder();
  app.bot.api.config.use(api.transformer);
  await app.bot.init();
  return { app, api };
}

let updateIds = 1;

export class Chat {
  /** The language the person chose, used to find buttons by i18n key. */
  lang: Lang = "en";
  private seen = 0;

  constructor(
    public bot: TestBot,
    readonly userId = 4242,
    readonly languageCode?: string,
  ) {}

  /** Type a message or a command. */
  async say(text: string): Promise<void> {
    const command = /^\/\w+/.exec(text);
    const messageId = this.bot.api.received(this.userId, text);
    await this.handle({
      update_id: updateIds++,
      message: {
        message_id: messageId,
        date: 0,
        chat: { id: this.userId, type: "private", first_name: "A" },
        from: this.from(),
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
      },
    } as Update);
  }

  /** Press the button whose label is this text, or the translation of this i18n key ("ns:key"). */
  async press(label: string, opts: { on?: Shown } = {}): Promise<void> {
    const want = /^[a-z][\w-]*:[\w.-]+$/.test(label) ? (this.bot.app.deps.i18n.getFixedT(this.lang)(label) as string) : label;
    const msg = opts.on ?? this.keyboard();
    const button = msg.buttons.flat().find((b) => b.text.replace(/^(✅|▫️) /, "") === want);
    if (!button)
      throw new Error(
        `no button "${want}" on the message: ${msg.buttons
          .flat()
          .map((b) => b.text)
          .join(" | ")}`,
      );
    await this.pressData(button.data, msg.id);
  }

  /**
   * Presses a button by its data. `refused`: the one refusal this press should meet (a double tap
   * meets "message is not modified"); the bot must take it quietly.
   */
  async pressData(data: string, messageId = this.keyboard().id, refused?: RegExp): Promise<void> {
    const id = String(updateIds);
    await this.handle(
      {
        update_id: updateIds++,
        callback_query: {
          id,
          from: this.from(),
          chat_instance: "test",
          data,
          message: { message_id: messageId, date: 0, chat: { id: this.userId, type: "private", first_name: "A" }, text: "" },
        },
      } as Update,
      refused,
    );
    expect(this.bot.api.answeredCallbacks.has(id), `the press of "${data}" was not answered`).toBe(true);
  }

  /** The usual beginning: /start, pick the language, read the introduction, agree. */
  async startIn(lang: Lang): Promise<void> {
    await this.say("/start");
    this.lang = lang;
    await this.press(`common:language.names.${lang}`);
    await this.press("common:buttons.continue");
    await this.press("opening:consent.options.agree");
  }

  /** Press an option of a question by its id. */
  async choose(ns: string, node: string, option: string): Promise<void> {
    await this.press(`${ns}:${node}.options.${option}`);
  }
  /** Tick options of a multi question, then "Done". */
  async tick(ns: string, node: string, ...options: string[]): Promise<void> {
    for (const o of options) await this.press(`${ns}:${node}.options.${o}`);
    await this.press("common:buttons.done");
  }
  async next(): Promise<void> {
    await this.press("common:buttons.continue");
  }
  async skip(): Promise<void> {
    await this.press("common:buttons.skip");
  }

  /** The latest message that has buttons. */
  keyboard(): Shown {
    const all = this.messages().filter((m) => m.buttons.length > 0);
    const last = all[all.length - 1];
    if (!last) throw new Error("no message with buttons");
    return last;
  }

  /** Every message in this chat, oldest first. */
  messages(): Shown[] {
    return [...this.bot.api.messages.values()].filter((m) => m.chatId === this.userId && !m.fromPerson).sort((a, b) => a.id - b.id);
  }

  /** Texts of the messages sent since the last call (edits of older ones not included). */
  newTexts(): string[] {
    const fresh = this.messages().filter((m) => m.id > this.seen);
    if (fresh.length) this.seen = fresh[fresh.length - 1]!.id;
    return fresh.map((m) => m.text);
  }

  /** The latest message's text. */
  last(): string {
    const all = this.messages();
    return all[all.length - 1]?.text ?? "";
  }

  labels(): string[] {
    return this.keyboard()
      .buttons.flat()
      .map((b) => b.text);
  }

  t(key: string, params?: Record<string, unknown>): string {
    return this.bot.app.deps.i18n.getFixedT(this.lang)(key, params) as string;
  }

  /** The "change" button of answer n on /mydata or the review screen, e.g. "✏ 3 · Country" for ref "opening/country". */
  changeLabel(ref: string, n: number): string {
    return this.t("common:buttons.change", { n, label: this.t(`${ref.replace("/", ":")}.short`) });
  }

  private from() {
    return { id: this.userId, is_bot: false, first_name: "A", ...(this.languageCode ? { language_code: this.languageCode } : {}) };
  }

  private async handle(update: Update, refused?: RegExp): Promise<void> {
    await this.bot.app.bot.handleUpdate(update);
    if (refused) {
      expect(this.bot.api.refusals, "the refusal this press should meet").toEqual([expect.stringMatching(refused)]);
      this.bot.api.refusals.length = 0;
    }
    expect(this.bot.api.refusals, "Telegram would have refused a call").toEqual([]);
  }
}
