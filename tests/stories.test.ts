/**
 * Stories of people using the opening of the interview through the real bot (grammY, i18next,
 * encrypted memory sessions), with a recording Bot API that refuses what Telegram refuses.
 */
import { describe, expect, it } from "vitest";
import { LANGS } from "../src/i18n/index.js";
import { Chat, testBot } from "./helpers/chat.js";

const plain = (html: string) => html.replace(/<[^>]+>/g, "");
const RAW_KEY = /\b(common|opening):[a-z_.]+/;

describe("the opening of the interview", () => {
  it("a woman in Kazakhstan starts in Kazakh, skips who is asking, and is spoken to directly", async () => {
    const chat = new Chat(await testBot(), 1, "kk");
    await chat.say("/start");
    expect(chat.labels()[0]).toBe("Қазақша"); // her Telegram language is listed first
    await chat.press("Қазақша");
    chat.lang = "kk";
    expect(chat.last()).toContain(
      chat
        .t("opening:about.text")
        .replace(/<[^>]+>/g, "")
        .split("\n")[0],
    );
    await chat.press("common:buttons.continue");
    await chat.press("opening:consent.options.agree");
    await chat.press("common:buttons.skip");
    expect(chat.last()).toContain(chat.t("opening:country.text"));
    expect(chat.last()).not.toContain(chat.t("opening:country.text_family"));
    await chat.press("opening:country.options.kz");
    expect(chat.last()).toContain(
      chat
        .t("legal:intro.text")
        .split("\n")[0]!
        .replace(/<[^>]+>/g, ""),
    );
    // The closed question shows what was answered, so the chat reads as a transcript.
    expect(
      chat.messages().some((m) => m.text.includes(chat.t("common:answer.yours", { answer: chat.t("opening:country.options.kz") }))),
    ).toBe(true);
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("common:answer.skipped"));
    expect(chat.last()).toContain(chat.t("opening:country.options.kz"));
  });

  for (const lang of LANGS) {
    it(`runs from /start to the end in ${lang} without a missing text`, async () => {
      const chat = new Chat(await testBot(), 2);
      await chat.startIn(lang);
      await chat.press("opening:who.options.other");
      await chat.press("opening:person_knows.options.agrees");
      expect(chat.last()).toContain(chat.t("opening:country.text_family"));
      await chat.press("opening:country.options.other");
      expect(chat.last()).toContain(chat.t("opening:other_country.text").replace(/<[^>]+>/g, ""));
      for (const m of chat.messages()) {
        expect(m.text).not.toMatch(RAW_KEY);
        expect(m.protect).toBe(true);
        for (const b of m.buttons.flat()) expect(b.text).not.toMatch(RAW_KEY);
      }
    });
  }

  it("someone who is not ready says 'not now' and is told what is kept", async () => {
    const chat = new Chat(await testBot(), 3, "en");
    await chat.say("/start");
    await chat.press("English");
    await chat.press("common:buttons.continue");
    expect(chat.labels()).not.toContain(chat.t("common:buttons.skip")); // consent cannot be skipped
    await chat.press("opening:consent.options.not_now");
    expect(chat.last()).toBe(chat.t("opening:not_now.text"));
  });

  it("a press on an old keyboard is answered as stale, and the current question is shown again", async () => {
    const chat = new Chat(await testBot(), 4, "ru");
    await chat.say("/start");
    await chat.press("Русский");
    chat.lang = "ru";
    await chat.press("common:buttons.continue");
    const consent = chat.keyboard();
    await chat.press("opening:consent.options.agree");
    const before = chat.bot.api.calls.length;
    await chat.press("opening:consent.options.not_now", { on: consent }); // the old keyboard, as drawn
    const after = chat.bot.api.calls.slice(before);
    expect(after.find((c) => c.method === "answerCallbackQuery")?.payload["text"]).toBe(chat.t("common:notice.stale"));
    expect(chat.last()).toContain(chat.t("opening:who.text"));
  });

  it("typing at a question with buttons gets a gentle pointer to the buttons, and nothing is lost", async () => {
    const chat = new Chat(await testBot(), 5, "en");
    await chat.startIn("en");
    await chat.say("my son & me <3");
    const texts = chat.newTexts();
    expect(texts).toContain(chat.t("common:notice.use_buttons"));
    expect(chat.last()).toContain(chat.t("opening:who.text"));
  });

  it("changes language in the middle without losing answers", async () => {
    const chat = new Chat(await testBot(), 6, "en");
    await chat.startIn("en");
    await chat.press("opening:who.options.relative");
    await chat.press("opening:person_knows.options.agrees");
    await chat.say("/language");
    await chat.press("Oʻzbekcha (lotin)");
    chat.lang = "uz-Latn";
    expect(chat.newTexts()).toContain(chat.t("common:language.changed"));
    expect(chat.last()).toContain(chat.t("opening:country.text_family"));
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("opening:who.options.relative"));
  });

  it("changes an earlier answer from /mydata", async () => {
    const chat = new Chat(await testBot(), 7, "en");
    await chat.startIn("en");
    await chat.press("opening:who.options.self");
    await chat.press("opening:country.options.other");
    await chat.say("/mydata");
    await chat.press(chat.changeLabel("opening/who", 2));
    expect(chat.last()).toContain(chat.t("opening:who.text"));
    await chat.press("opening:who.options.relative");
    // A relative is asked one more question, then the country, already answered: it is offered
    // again, now about the relative, with the old answer. Meanwhile /mydata still shows it.
    const question = chat.keyboard();
    await chat.say("/mydata");
    expect(chat.last()).toContain(`${chat.t("common:mydata.ahead")}\n• ${chat.t("opening:country.text_family")}`);
    await chat.press("opening:person_knows.options.not_sure", { on: question });
    // The new branch's question answered, the person is straight back where they were: the
    // country, already answered, is kept, not asked again.
    expect(chat.last()).toContain(chat.t("opening:other_country.text").replace(/<[^>]+>/g, ""));
    expect(
      chat
        .keyboard()
        .buttons.flat()
        .map((b) => b.text),
    ).not.toContain(chat.t("common:buttons.keep"));
  });

  it("deletes everything after one confirmation, and starts from the language again", async () => {
    const chat = new Chat(await testBot(), 8, "en");
    await chat.startIn("en");
    await chat.say("/delete");
    await chat.press("common:delete.no");
    expect(chat.last()).toBe(chat.t("common:delete.kept"));
    await chat.say("/delete");
    await chat.press("common:delete.yes");
    expect(chat.last()).toBe(chat.t("common:delete.done").replace(/<[^>]+>/g, ""));
    await chat.say("/start");
    expect(chat.last()).toContain("Choose your language");
  });

  it("starts over after /restart, keeping the language", async () => {
    const chat = new Chat(await testBot(), 9, "en");
    await chat.startIn("en");
    await chat.say("/restart");
    await chat.press("common:restart.yes");
    // Back at the first screen, in English: the language is not asked again.
    expect(chat.last()).toContain(
      chat
        .t("opening:about.text")
        .replace(/<[^>]+>/g, "")
        .split("\n")[0],
    );
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("common:mydata.none"));
  });

  it("a quick double tap on a one-time button acts once, and no error is shown", async () => {
    const chat = new Chat(await testBot(), 12, "en");
    const tapTwice = async (label: string) => {
      const msg = chat.keyboard();
      const button = msg.buttons.flat().find((b) => b.text === chat.t(label))!;
      await chat.pressData(button.data, msg.id);
      const after = chat.messages().length;
      await chat.pressData(button.data, msg.id, /message is not modified/); // before the keyboard was gone
      expect(chat.messages().length, `a second tap on "${label}" sent something`).toBe(after);
    };
    await chat.say("/start");
    await tapTwice("common:language.names.en");
    await chat.press("common:buttons.continue");
    await chat.press("opening:consent.options.agree");
    await chat.say("/start");
    await tapTwice("common:resume.continue");
    expect(chat.messages().filter((m) => m.text.includes(chat.t("opening:who.text")))).toHaveLength(2);
    await chat.say("/delete");
    await tapTwice("common:delete.yes");
    expect(chat.last()).toBe(chat.t("common:delete.done").replace(/<[^>]+>/g, ""));
    expect(chat.messages().some((m) => m.text.startsWith(chat.t("common:errors.internal").slice(0, 20)))).toBe(false);
  });

  it("someone who skips the country is still asked about the case", async () => {
    const chat = new Chat(await testBot(), 13, "en");
    await chat.startIn("en");
    await chat.press("opening:who.options.self");
    await chat.skip();
    expect(chat.last()).toContain(
      chat
        .t("legal:intro.text")
        .split("\n")[0]!
        .replace(/<[^>]+>/g, ""),
    );
    // Text typed at a screen without a "Skip" button is not told to press one.
    await chat.say("hello");
    expect(chat.messages().at(-2)!.text).toBe(chat.t("common:notice.use_buttons_required"));
  });

  it("a man in Kazakhstan, in Russian, types two areas of need instead of pressing them: both are ticked on the same question", async () => {
    const chat = new Chat(await testBot(), 12, "ru");
    await chat.startIn("ru");
    await chat.press("opening:who.options.self");
    await chat.press("opening:country.options.kz");
    // Every question up to the areas of need skipped, every introduction read.
    for (let i = 0; i < 30 && !chat.last().includes(plain(chat.t("needs:areas.text")).split("\n")[0]!); i++) {
      const labels = chat
        .keyboard()
        .buttons.flat()
        .map((b) => b.text);
      if (labels.includes(chat.t("common:buttons.continue"))) await chat.next();
      else await chat.skip();
    }
    const question = chat.keyboard();
    const count = chat.messages().length;
    await chat.say(chat.t("needs:areas.options.health").toLowerCase());
    await chat.say(chat.t("needs:areas.options.work"));
    // No new message: the ticks appear on the question's own buttons.
    expect(chat.messages().length).toBe(count);
    const ticked = chat
      .messages()
      .find((m) => m.id === question.id)!
      .buttons.flat()
      .map((b) => b.text);
    expect(ticked).toContain(`✅ ${chat.t("needs:areas.options.health")}`);
    expect(ticked).toContain(`✅ ${chat.t("needs:areas.options.work")}`);
    // "Choose all that apply, then press Done" is said on the first multi-choice question only
    // (the charge, skipped on the way), not on the areas nor after.
    const hint = chat.t("common:multi_hint").replace(/<[^>]+>/g, "");
    const said = () => chat.bot.api.calls.filter((c) => c.method === "sendMessage" && String(c.payload["text"]).includes(hint)).length;
    expect(said()).toBe(1);
    expect(question.text).not.toContain(hint);
    await chat.press("common:buttons.done");
    expect(chat.last()).toContain(plain(chat.t("needs:work.text")));
    expect(said()).toBe(1);
    expect(chat.bot.api.refusals).toEqual([]);
  });

  it("a typed country counts as pressing it: without the apostrophe, or in another of Qadam's languages", async () => {
    const uz = new Chat(await testBot(), 15, "uz");
    await uz.startIn("uz-Latn");
    await uz.press("opening:who.options.self");
    await uz.say("Ozbekiston");
    expect(uz.last()).toContain(
      uz
        .t("legal:intro.text")
        .split("\n")[0]!
        .replace(/<[^>]+>/g, ""),
    );
    const en = new Chat(await testBot(), 16, "en");
    await en.startIn("en");
    await en.press("opening:who.options.self");
    await en.say("Казахстан");
    expect(en.messages().some((m) => m.text.includes(en.t("common:answer.yours", { answer: en.t("opening:country.options.kz") })))).toBe(
      true,
    );
  });

  it("“not now” at the start, then /start and “continue”: the question comes back, not the goodbye", async () => {
    const chat = new Chat(await testBot(), 14, "en");
    await chat.say("/start");
    await chat.press("common:language.names.en");
    await chat.press("common:buttons.continue");
    await chat.press("opening:consent.options.agree");
    await chat.press("common:buttons.back"); // back to consent
    await chat.press("opening:consent.options.not_now");
    expect(chat.last()).toContain(
      chat
        .t("opening:not_now.text")
        .split("\n")[0]!
        .replace(/<[^>]+>/g, "")
        .slice(0, 30),
    );
    await chat.say("/start");
    await chat.press("common:resume.continue");
    expect(chat.labels()).toContain(chat.t("opening:consent.options.agree"));
  });

  it("does not read photos or voice messages, and says so", async () => {
    const chat = new Chat(await testBot(), 10, "en");
    await chat.bot.app.bot.handleUpdate({
      update_id: 99_001,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 10, type: "private", first_name: "A" },
        from: { id: 10, is_bot: false, first_name: "A" },
        voice: { file_id: "x", file_unique_id: "y", duration: 3 },
      },
    });
    expect(chat.last()).toBe(chat.t("common:errors.unsupported"));
  });

  it("stays silent in groups, where a person would be exposed", async () => {
    const bot = await testBot();
    await bot.app.bot.handleUpdate({
      update_id: 99_002,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: -5, type: "group", title: "g" },
        from: { id: 11, is_bot: false, first_name: "A" },
        text: "/start",
        entities: [{ type: "bot_command", offset: 0, length: 6 }],
      },
    });
    expect(bot.api.calls).toEqual([]);
  });
});

describe("the command menu", () => {
  it("a relative whose phone is set to Russian chooses Ўзбекча: the menu in this chat turns Uzbek Cyrillic", async () => {
    const b = await testBot();
    const chat = new Chat(b, 8801, "ru");
    await chat.say("/start");
    chat.lang = "uz-Cyrl";
    await chat.press("common:language.names.uz-Cyrl");
    const set = b.api.calls.filter((c) => c.method === "setMyCommands");
    expect(set).toHaveLength(1);
    expect(set[0]?.payload["scope"]).toEqual({ type: "chat", chat_id: 8801 });
    const menu = set[0]?.payload["commands"] as { command: string; description: string }[];
    expect(menu.find((c) => c.command === "delete")?.description).toBe(chat.t("common:commands.delete"));
    expect(menu.find((c) => c.command === "delete")?.description).toMatch(/[ЎўҚқҒғҲҳ]|[а-я]/);
  });
});
