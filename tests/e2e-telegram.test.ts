/**
 * The Telegram mode end to end: `npm start` with BOT_TOKEN, TELEGRAM_API_ROOT pointing to a local
 * Bot API emulator, and a throwaway Redis. The bot long-polls with @grammyjs/runner, registers its
 * commands, keeps sessions in Redis, and stops cleanly on SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import sodium from "libsodium-wrappers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { open, parseEnvelope } from "../src/referrals/envelope.js";
import { parseKeyFile, signingKeyFromSeed } from "../src/referrals/keys.js";
import { BotApiEmulator } from "./helpers/bot-api-emulator.js";
import { TestRedis } from "./helpers/redis.js";
import { start, TEST_SIGNING_KEY, telegramEnv } from "./helpers/spawn.js";

const SIGNING_KEY = TEST_SIGNING_KEY;
let emu: BotApiEmulator;
let redis: TestRedis;
let bot: ChildProcess | undefined;
let stderr = "";

// The scripted person answers faster than anyone could.
const env = () => telegramEnv(emu.apiRoot, redis.url, { UPDATES_PER_10S: "500" });

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
  await sodium.ready;
  emu = new BotApiEmulator();
  await emu.start();
  redis = await TestRedis.start();
});
// A failed story must not leave its bot polling the emulator under the next story.
afterEach(() => {
  if (bot && bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
});
afterAll(async () => {
  await emu.stop();
  await redis.down();
});

describe("on Telegram (through a local Bot API emulator)", () => {
  it("a person answers in English, the bot is redeployed, and the person resumes", async () => {
    const chat = 900_001;
    bot = await launch();
    await emu.waitFor(() => emu.calls.filter((c) => c.method === "setMyCommands").length === 5, "the command menu in every language");
    expect(emu.calls.filter((c) => c.method === "setMyCommands").map((c) => c.payload["language_code"] ?? "default")).toEqual([
      "kk",
      "uz",
      "ru",
      "en",
      "default",
    ]);

    emu.userSends(chat, "/start", "en");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Choose your language")), "the language menu");
    emu.userPresses(chat, "English");
    await emu.waitFor((m) => m.some((x) => x.buttons.flat().some((b) => b.text === "Continue ▶")), "the introduction");
    emu.userPresses(chat, "Continue ▶");
    await emu.waitFor((m) => m.some((x) => x.buttons.flat().some((b) => b.text === "Yes, continue")), "consent");
    const press = emu.userPresses(chat, "Yes, continue");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Who is asking?") && x.buttons.length > 0), "the first question");
    // The spinner on the pressed button stops: the callback is answered (after the reply is sent).
    await emu.waitFor(() => emu.answered.has(press), "the answer to the pressed button");

    expect(await stopBot(bot)).toBe(0);
    bot = await launch();
    emu.userSends(chat, "/start", "en");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Welcome back")), "the resume offer");
    emu.userPresses(chat, "Continue where I stopped");
    await emu.waitFor((m) => m.filter((x) => x.text.includes("Who is asking?")).length === 2, "the question again");
    emu.userPresses(chat, "A relative or a friend");
    await emu.waitFor((m) => m.some((x) => x.text.includes("Does your relative know")), "the question for relatives");
    // The bot is stopped while its reply is on the way: it finishes the update before it exits.
    let release!: () => void;
    emu.hold = new Promise<void>((r) => (release = r));
    emu.userPresses(chat, "Yes, they know and agree");
    await emu.waitFor(() => emu.holding > 0, "a reply in flight");
    const stopped = stopBot(bot);
    await new Promise((r) => setTimeout(r, 300));
    release();
    emu.hold = undefined;
    expect(await stopped).toBe(0);
    // The answer was saved before the exit: after the restart, the person is at the country question.
    bot = await launch();
    emu.userSends(chat, "/start", "en");
    await emu.waitFor((m) => m.filter((x) => x.text.includes("Welcome back")).length === 2, "the resume offer");
    emu.userPresses(chat, "Continue where I stopped");
    await emu.waitFor(
      (m) => m.filter((x) => x.text.includes("In which country was your relative's case?")).length === 2,
      "the country question again",
    );
    expect(await stopBot(bot)).toBe(0);
    expect(emu.refusals).toEqual([]);
    expect(stderr).not.toMatch(/error/i);
  });

  it("a referral made through Telegram arrives sealed, as documents, at the triage desk and the matched lawyers", async () => {
    const chat = 900_002;
    bot = await launch();
    const say = async (text: string, expectText: string) => {
      emu.userSends(chat, text, "en");
      await emu.waitFor((m) => m.some((x) => x.chatId === chat && x.text.includes(expectText)), expectText);
    };
    const tick = async (label: string) => {
      emu.userPresses(chat, label);
      await emu.waitFor(
        (m) => m.some((x) => x.chatId === chat && x.buttons.flat().some((b) => b.text === `✅ ${label}`)),
        `${label} ticked`,
      );
    };
    const press = async (label: string, expectText: string) => {
      emu.userPresses(chat, label);
      await emu.waitFor((m) => m.some((x) => x.chatId === chat && x.text.includes(expectText)), expectText);
    };
    await say("/start", "Choose your language");
    await press("English", "Qadam is for people");
    await press("Continue ▶", "Do you want to continue?");
    await press("Yes, continue", "Who is asking?");
    await press("I am asking for myself", "In which country was your case?");
    await press("Kazakhstan", "The next questions are about how the case ended");
    await press("Continue ▶", "How did the case end for you");
    await press("Acquitted by a court", "Did you receive an official notice");
    await press("No", "When did this happen?");
    await say("2025", "What was the charge about?");
    await tick("Words, posts, media, protest");
    await press("Done ✓", "Is a complaint or appeal");
    await press("No", "First, choose the areas");
    await press("Continue ▶", "Where do you need help?");
    await tick("None of these");
    await press("Done ✓", "One more question");
    await press("Continue ▶", "were you beaten, tortured, threatened or humiliated?");
    await press("No", "Is there anything else a lawyer should know?");
    await say("Please call in the evening", "Would you like");
    await press("Send the case to a lawyer", "Do you agree to send the case?");
    await press("Yes, I agree", "How may the lawyer contact you?");
    await press("By phone", "Please write the phone number");
    await say("+7 701 555 12 34", "should Qadam keep your other answers here");
    await press("Delete my answers once sent", "Please check what will be sent");
    await press("Send", "Your receipt code");
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec([...emu.messages.values()].find((m) => m.text.includes("Your receipt code"))!.text)![0];
    await emu.waitFor(() => emu.documents.filter((d) => d.caption.includes(code)).length === 3, "three sealed documents", 20_000);
    const docs = emu.documents.filter((d) => d.caption.includes(code));
    expect(docs.map((d) => d.chatId).sort()).toEqual([-1000001, -1000002, -1000003].sort());
    for (const d of docs) {
      expect(d.name).toBe(`referral-${code}.qadam`);
      expect(d.content).not.toContain("701 555");
      expect(d.content).not.toContain("evening");
    }
    const key = parseKeyFile(readFileSync("examples/keys/kz-compensation.secret.json", "utf8"));
    const dossier = JSON.parse(open(parseEnvelope(docs[0]!.content ?? ""), key, signingKeyFromSeed(SIGNING_KEY).publicKey).plaintext);
    expect(dossier.contact).toEqual({ how: "phone", detail: "+7 701 555 12 34" });
    expect(await stopBot(bot)).toBe(0);
    expect(emu.refusals).toEqual([]);
  }, 60_000);
});
