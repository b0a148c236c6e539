/**
 * For people whose phone may be searched, and against abuse, through the real bot: revealing
 * answers are never echoed and the person's typed message is erased; /wipe and /panic erase the
 * conversation; discreet mode erases as it goes; /verify; referral limits, "send again?", a stale
 * "Send", the per-chat update limit, a stale language menu; node ids only in debug logs.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { LOCAL_BOT } from "../src/cli/local-chat.js";
import { loadConfig } from "../src/config.js";
import { Chat, TEST_KEYS, TEST_SECRET, testBot } from "./helpers/chat.js";
import { walkToResult } from "./helpers/profile.js";
import { Recorder } from "./helpers/recorder.js";

const PHONE = "+7 701 555 12 34";
/** The example signing key the staff fixture goes with (tests/fixtures/partners-staff.yaml). */
const STAFF_SIGNING_KEY = "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o";

/** To the review screen, with a phone number as the contact. */
async function toReview(chat: Chat, id = 0): Promise<void> {
  await chat.startIn("en");
  await walkToResult(chat, chat.bot.app.deps.flows, {
    "opening/who": "self",
    "opening/country": "kz",
    "legal/outcome": "acquitted",
    "legal/released_on": "2025-05-15",
    "needs/areas": ["work"],
    "needs/note": `Call me, case ${id}`,
  });
  await chat.choose("needs", "result", "refer");
  await chat.choose("referral", "consent", "agree");
  await chat.choose("referral", "contact", "phone");
  await chat.say(PHONE);
  await chat.choose("referral", "keep", "keep");
}
const everything = (chat: Chat) =>
  chat
    .messages()
    .map((m) => m.text)
    .join("\n");

describe("traces on the person's phone", () => {
  it("a phone number, a note and a date are never said back, and the person's own message is erased once taken", async () => {
    const chat = new Chat(await testBot(), 7101, "en");
    await toReview(chat);
    expect(everything(chat)).not.toContain(PHONE);
    expect(everything(chat)).not.toContain("Call me");
    expect(everything(chat)).not.toContain("15.05.2025");
    expect(everything(chat)).toContain("Your answer: saved ✓");
    // The person's own messages with those answers are gone from the chat.
    const theirs = [...chat.bot.api.messages.values()].filter((m) => m.chatId === 7101 && m.fromPerson).map((m) => m.text);
    expect(theirs).not.toContain(PHONE);
    expect(theirs).not.toContain("15.05.2025");
  });

  it("/wipe, after a confirmation that says what cannot be erased, erases the conversation; one line stays", async () => {
    const chat = new Chat(await testBot(), 7102, "en");
    await toReview(chat);
    expect(chat.messages().length).toBeGreaterThan(20);
    await chat.say("/wipe");
    expect(chat.last()).toContain("It cannot erase older messages, copies Telegram itself keeps");
    await chat.press("common:wipe.yes");
    expect(chat.messages().map((m) => m.text)).toEqual([chat.t("common:wipe.done")]);
    expect([...chat.bot.api.messages.values()].filter((m) => m.chatId === 7102 && m.fromPerson)).toEqual([]);
    // The answers stay (only /delete removes them).
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("legal:outcome.options.acquitted"));
  });

  it("once the case is sent, the last message offers to erase the chat; pressed, it asks first, then erases", async () => {
    const chat = new Chat(await testBot(), 7107, "en");
    await toReview(chat);
    await chat.choose("referral", "review", "send");
    expect(chat.last()).toBe(chat.t("referral:keep.kept"));
    expect(chat.labels()).toEqual([chat.t("common:wipe.offer")]);
    await chat.press("common:wipe.offer");
    expect(chat.last()).toContain("It cannot erase older messages");
    await chat.press("common:wipe.yes");
    expect(chat.messages().map((m) => m.text)).toEqual([chat.t("common:wipe.done")]);
  });

  it("/panic erases at once, drops the unsent answers and leaves one neutral line", async () => {
    const chat = new Chat(await testBot(), 7103, "en");
    await toReview(chat);
    await chat.say("/panic");
    expect(chat.messages().map((m) => m.text)).toEqual(["OK."]);
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("common:mydata.none"));
  });

  it("discreet mode, chosen on the first screen: each question and answer is erased as the interview moves on, with 🆘 on every step", async () => {
    const chat = new Chat(await testBot(), 7104, "en");
    await chat.say("/start");
    chat.lang = "en";
    await chat.press("common:language.names.en");
    await chat.press("common:buttons.discreet");
    expect(chat.messages().some((m) => m.text === chat.t("common:discreet.on").replace(/<[^>]+>/g, ""))).toBe(true);
    await chat.press("opening:consent.options.agree");
    await chat.choose("opening", "who", "self");
    // Answered questions are gone; what is on screen is the question still open, with the panic button.
    const shown = chat.messages().map((m) => m.text.split("\n")[0]);
    expect(shown.join("\n")).not.toContain(chat.t("opening:who.text"));
    expect(chat.labels()).toContain("🆘 Erase all now");
    // An introduction moved on from, and a question gone back from, go too.
    await chat.choose("opening", "country", "kz");
    await chat.press("common:buttons.continue");
    expect(everything(chat)).not.toContain(
      chat
        .t("legal:intro.text")
        .replace(/<[^>]+>/g, "")
        .split("\n")[0],
    );
    await chat.press("common:buttons.back");
    // Back from the first case question: it is gone, and the introduction is open again.
    expect(everything(chat)).not.toContain(chat.t("legal:outcome.text"));
    expect(chat.messages().filter((m) => m.text.split("\n").includes("The case"))).toHaveLength(1);
    await chat.press("🆘 Erase all now");
    expect(chat.messages().map((m) => m.text)).toEqual(["OK."]);
  });

  it("with the neutral persona, the first screen does not say who Qadam is for", async () => {
    const chat = new Chat(await testBot({ PERSONA: "neutral" }), 7108, "en");
    await chat.startIn("en");
    const first = everything(chat);
    expect(first).toContain(
      chat
        .t("opening:about.text_neutral")
        .replace(/<[^>]+>/g, "")
        .split("\n")[0],
    );
    expect(first.toLowerCase()).not.toMatch(/politic|prison|detain/);
    const named = new Chat(await testBot(), 7109, "en");
    await named.startIn("en");
    expect(everything(named).toLowerCase()).toMatch(/politic/);
  });

  it("/verify prints the phrase the NGO publishes", async () => {
    const chat = new Chat(await testBot({ VERIFY_PHRASE: "blue river seven" }), 7105, "en");
    await chat.startIn("en");
    await chat.say("/verify");
    expect(chat.last()).toContain("Check phrase: blue river seven");
    const other = new Chat(await testBot(), 7106, "en");
    await other.startIn("en");
    await other.say("/verify");
    expect(other.last()).toBe(other.t("common:verify.none"));
  });
});

describe("abuse limits", () => {
  it("the same answers again ask first; a stale Send answers “already sent” and nothing more; a 4th referral in a day is refused", async () => {
    const b = await testBot({ REFERRALS_PER_DAY: "3" });
    const chat = new Chat(b, 7201, "en");
    await toReview(chat, 1);
    const review = chat.keyboard();
    await chat.choose("referral", "review", "send");
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(everything(chat))?.[0] ?? "";
    // The old review screen's Send, pressed again: answered on the button, nothing sent or shown.
    const count = chat.messages().length;
    const send = review.buttons.flat().find((x) => x.text === chat.t("referral:review.options.send"))?.data ?? "";
    await chat.pressData(send, review.id);
    expect(chat.messages().length).toBe(count);
    expect(b.api.calls.filter((c) => c.method === "answerCallbackQuery").at(-1)?.payload["text"]).toBe(
      `Already sent: ${code}. /status shows where it stands.`,
    );
    // With the answers kept, the person goes to send the same case again: asked first.
    await chat.say("/start");
    await chat.press("common:resume.continue");
    await chat.choose("needs", "result", "refer");
    await chat.choose("referral", "consent", "agree");
    await chat.choose("referral", "contact", "qadam");
    await chat.choose("referral", "keep", "keep");
    await chat.choose("referral", "review", "send");
    expect(chat.last()).toBe(`You already sent exactly these answers today (${code}). Send them again?`);
    await chat.press("referral:again.yes");
    const codes = new Set(everything(chat).match(/QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/g));
    expect(codes.size).toBe(2);
    expect(await b.app.deps.referrals.store.byOwner(b.app.deps.referrals.ownerId(7201))).toHaveLength(2);
  });

  it("an account that sent its daily number of referrals is told to try tomorrow", async () => {
    const b = await testBot({ REFERRALS_PER_DAY: "1" });
    const chat = new Chat(b, 7301, "en");
    await toReview(chat, 1);
    await chat.choose("referral", "review", "send");
    await chat.say("/restart");
    await chat.press("common:restart.yes");
    await chat.press("common:buttons.continue");
    await chat.press("opening:consent.options.agree");
    await walkToResult(chat, b.app.deps.flows, { "opening/who": "self", "opening/country": "uz", "needs/areas": ["money"] });
    await chat.choose("needs", "result", "refer");
    await chat.choose("referral", "consent", "agree");
    await chat.choose("referral", "contact", "qadam");
    await chat.choose("referral", "keep", "keep");
    await chat.choose("referral", "review", "send");
    expect(chat.last()).toBe(
      "You have sent 1 requests today, the most Qadam takes from one account in a day. Please try again tomorrow, or write to the organisation.",
    );
    expect(await b.app.deps.referrals.store.byOwner(b.app.deps.referrals.ownerId(7301))).toHaveLength(1);
  });

  it("more referrals in an hour than the desk set are refused for everyone, and the staff chat is told once", async () => {
    const b = await testBot({
      REFERRALS_PER_HOUR: "1",
      PARTNERS_FILE: "tests/fixtures/partners-staff.yaml",
      SIGNING_KEY: STAFF_SIGNING_KEY,
    });
    for (const id of [7311, 7312, 7313]) {
      const chat = new Chat(b, id, "en");
      await toReview(chat, id);
      await chat.choose("referral", "review", "send");
      if (id !== 7311) expect(chat.last()).toBe(chat.t("referral:limit.busy"));
    }
    const alerts = [...b.api.messages.values()].filter((m) => m.chatId === -1000001 && m.text.startsWith("More than 1 referrals"));
    expect(alerts).toHaveLength(1);
    expect(await b.app.deps.referrals.store.byOwner(b.app.deps.referrals.ownerId(7312))).toHaveLength(0);
  });

  it("/status with a code is limited per chat, so codes cannot be guessed from one", async () => {
    const chat = new Chat(await testBot(), 7321, "en");
    await chat.startIn("en");
    for (let i = 0; i < 10; i++) await chat.say(`/status QDM-AAAA-${String(1000 + i)}`);
    expect(chat.last()).not.toBe(chat.t("referral:status.limited"));
    await chat.say("/status QDM-AAAA-2000");
    expect(chat.last()).toBe(chat.t("referral:status.limited"));
  });

  it("a chat sending faster than a person can is asked, once, to slow down", async () => {
    const chat = new Chat(await testBot({ UPDATES_PER_10S: "5" }), 7401, "en");
    for (let i = 0; i < 9; i++) await chat.say("/help");
    const slow = chat.messages().filter((m) => m.text === chat.t("common:errors.slow_down"));
    expect(slow).toHaveLength(1);
    expect(chat.messages().filter((m) => m.text !== chat.t("common:errors.slow_down"))).toHaveLength(5);
  });

  it("a person whose Telegram is in English but who chose Kazakh is asked to slow down in Kazakh", async () => {
    const chat = new Chat(await testBot({ UPDATES_PER_10S: "6" }), 7402, "en");
    await chat.say("/start");
    chat.lang = "kk";
    await chat.press("common:language.names.kk");
    for (let i = 0; i < 6; i++) await chat.say("/help");
    const slow = chat.messages().filter((m) => m.text === chat.t("common:errors.slow_down"));
    expect(slow).toHaveLength(1);
    expect(slow[0]?.text).toContain("жылдам");
  });

  it("an old language menu left in the chat cannot switch the language mid-interview", async () => {
    const chat = new Chat(await testBot(), 7501, "en");
    await chat.say("/start");
    const first = chat.keyboard();
    chat.lang = "en";
    await chat.press("common:language.names.en");
    await chat.press("common:buttons.continue");
    await chat.say("/language");
    await chat.press("common:language.names.en");
    // The first menu, still in the chat: a stray tap on “Русский” there.
    await chat.press("Русский", { on: first });
    await chat.say("/mydata");
    expect(chat.last()).toContain("English");
  });
});

describe("logs", () => {
  it("info logs carry update ids and the kind of input, never which question a person reached", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: "info" }, stream);
    const config = loadConfig({ SESSION_KEYS: TEST_KEYS, SESSION_SECRET: TEST_SECRET });
    const app = await buildApp(config, logger, { botInfo: LOCAL_BOT, today: () => "2026-11-29" });
    const api = new Recorder();
    app.bot.api.config.use(api.transformer);
    await app.bot.init();
    const chat = new Chat({ app, api }, 7601, "en");
    await chat.startIn("en");
    await chat.choose("opening", "who", "self");
    const steps = lines.filter((l) => l.includes('"msg":"step"'));
    expect(steps.length).toBeGreaterThan(2);
    for (const l of steps) expect(l).not.toMatch(/"node"/);
  });
});
