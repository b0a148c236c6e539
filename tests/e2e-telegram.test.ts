/**
 * The Telegram mode end to end: `npm start` with BOT_TOKEN, TELEGRAM_API_ROOT pointing to a local
 * Bot API emulator, and a throwaway Redis. The bot long-polls with @grammyjs/runner, registers its
 * commands, keeps sessions in Redis, and stops cleanly on SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotApiEmulator } from "./helpers/bot-api-emulator.js";
import { TEST_KEYS, TEST_SECRET } from "./helpers/chat.js";
import { TestRedis } from "./helpers/redis.js";
import { start } from "./helpers/spawn.js";

let emu: BotApiEmulator;
let redis: TestRedis;
let bot: ChildProcess | undefined;
let stderr = "";

const env = () => ({
  BOT_TOKEN: "123456:test-token-for-the-local-emulator-only",
  TELEGRAM_API_ROOT: emu.apiRoot,
  REDIS_URL: redis.url,
  SESSION_KEYS: TEST_KEYS,
  SESSION_SECRET: TEST_SECRET,
  SIGNING_KEY: "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o",
  TRIAGE_PUBLIC_KEY: "QKweAqRnCcpTAN4wPfly88ChJ1ofOQaj4VWq85vJBgA",
  PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml",
  LOG_LEVEL: "warn",
});

async function launch(): Promise<ChildProcess> {
  const child = start(env());
  child.stderr!.on("data", (d) => (stderr += d));
  return child;
}

async function stopBot(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  return exited;
}

beforeAll(async () => {
  emu = new BotApiEmulator();
  await emu.start();
  redis = await TestRedis.start();
});
afterAll(async () => {
  if (bot && bot.exitCode === null) bot.kill("SIGKILL");
  await emu.stop();
  await redis.down();
});

describe("on Telegram (through a local Bot API emulator)", () => {
  it("a person answers in English, the bot is redeployed, and the person resumes", async () => {
    const chat = 900_001;
    bot = await launch();
    await emu.waitFor(() => emu.calls.filter((c) => c.method === "setMyCommands").length === 5, "the command menu in every language");
    expect(emu.calls.filter((c) => c.method === "setMyCommands").map((c) => c.payload["language_code"] ?? "default")).toEqual(["kk", "uz", "ru", "en", "default"]);

    emu.userSends(chat, "/start", "en");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Choose your language")), "the language menu");
    emu.userPresses(chat, "English");
    await emu.waitFor((m) => m.some((x) => x.buttons.flat().some((b) => b.text === "Continue ▶")), "the introduction");
    emu.userPresses(chat, "Continue ▶");
    await emu.waitFor((m) => m.some((x) => x.buttons.flat().some((b) => b.text === "Yes, continue")), "consent");
    const press = emu.userPresses(chat, "Yes, continue");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Who is asking?") && x.buttons.length > 0), "the first question");
    expect(emu.answered.has(press)).toBe(true);

    expect(await stopBot(bot)).toBe(0);
    bot = await launch();
    emu.userSends(chat, "/start", "en");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Welcome back")), "the resume offer");
    emu.userPresses(chat, "Continue where I stopped");
    await emu.waitFor((m) => m.filter((x) => x.text.includes("Who is asking?")).length === 2, "the question again");
    emu.userPresses(chat, "A relative or a friend");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Does your relative know")), "the question for relatives");
    emu.userPresses(chat, "Yes, they know and agree");
    await emu.waitFor((m) => m.some((x) => x.text.includes("In which country was your relative's case?")), "the country question");
    expect(await stopBot(bot)).toBe(0);
    expect(emu.refusals).toEqual([]);
    expect(stderr).not.toMatch(/error/i);
  });
});
