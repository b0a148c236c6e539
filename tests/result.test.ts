/**
 * The result a person can act on: a short plan first (what Qadam understood, the next steps with a
 * running deadline first, within one phone screen), each step's card on demand in the same message,
 * its sources behind a button, and the whole result as one offline document on request.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InputFile } from "grammy";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Lang } from "../src/i18n/index.js";
import { planOf } from "../src/rights/evaluate.js";
import { Chat, testBot } from "./helpers/chat.js";
import { answersFor, type Profile, walkToResult } from "./helpers/profile.js";

const plain = (html: string) => html.replace(/<[^>]+>/g, "");

interface Story {
  lang: Lang;
  who: string;
  profile: Profile;
}

/** One person per language, each with many needs, so the plan is as long as plans get. */
const STORIES: Story[] = [
  {
    lang: "ru",
    who: "a man in Kazakhstan, acquitted, with health, work and money needs, who reports ill-treatment",
    profile: {
      "opening/who": "self",
      "opening/country": "kz",
      "legal/outcome": "acquitted",
      "needs/areas": ["health", "work", "money", "documents"],
      "needs/ill_treated": "yes",
    },
  },
  {
    lang: "kk",
    who: "a woman in Kazakhstan still in detention, asking herself from a smuggled phone",
    profile: { "opening/who": "self", "opening/country": "kz", "legal/outcome": "still_detained", "needs/areas": ["health", "family"] },
  },
  {
    lang: "uz-Latn",
    who: "a relative in Uzbekistan asking for a pardoned brother",
    profile: {
      "opening/who": "relative",
      "opening/person_knows": "agrees",
      "opening/country": "uz",
      "legal/outcome": "pardon",
      "needs/areas": ["work", "money", "supervision"],
    },
  },
  {
    lang: "uz-Cyrl",
    who: "a relative in Uzbekistan asking for someone still detained",
    profile: {
      "opening/who": "relative",
      "opening/person_knows": "agrees",
      "opening/country": "uz",
      "legal/outcome": "still_detained",
      "needs/areas": ["health", "safety"],
    },
  },
  {
    lang: "en",
    who: "a relative abroad asking for someone released after serving the whole sentence",
    profile: { "opening/who": "relative", "opening/person_knows": "agrees", "opening/country": "other", "legal/outcome": "served" },
  },
];

describe("the result: a plan first, cards on demand", () => {
  for (const story of STORIES) {
    it(`${story.who} (${story.lang}): the plan comes first, fits one screen, and opens each step's card`, async () => {
      const chat = new Chat(await testBot(), 8000 + STORIES.indexOf(story), story.lang.slice(0, 2));
      await chat.startIn(story.lang);
      const before = chat.messages().length;
      await walkToResult(chat, chat.bot.app.deps.flows, story.profile);
      const intro = plain(chat.t("needs:result.text"));
      const shown = chat.messages().slice(before);
      const at = shown.findIndex((m) => m.text.startsWith(intro));
      expect(at, "the plan").toBeGreaterThanOrEqual(0);
      const planMsg = shown[at]!;
      // Two messages in all: the plan, then what to do now with the offer of a lawyer.
      expect(shown.slice(at)).toHaveLength(2);
      expect([...planMsg.text].length).toBeLessThanOrEqual(1000);
      const plan = planOf(chat.bot.app.deps.flows, chat.bot.app.deps.cards, answersFor(chat.bot.app.deps.flows, story.profile));
      expect(plan.steps.length).toBeGreaterThan(0);
      // A deadline that may be running is the first thing after the greeting, and step 1 is it.
      const lines = planMsg.text.split("\n").filter((l) => l.trim());
      if (plan.deadline) {
        expect(lines[1]).toBe(`⏳ ${plain(chat.t("rights:plan.deadline_first"))}`);
        expect(plan.steps[0]!.deadline).toBe(true);
      }
      for (const [i, s] of plan.steps.entries()) expect(planMsg.text).toContain(`${i + 1}. ${plain(chat.t(s.text.key))}`);
      // A relative reads no "you" about the person they ask for.
      // (The greeting and the check date speak to the reader; what Qadam understood and the steps
      // are about the person.)
      if (story.lang === "en" && story.profile["opening/who"] === "relative")
        expect(lines.slice(1, -1).join("\n")).not.toMatch(/\byour?\b/i);
      expect(planMsg.buttons[0]!.map((b) => b.text)).toEqual(plan.steps.map((_, i) => `${i + 1} ▸`));

      // Step 1's card, in place of the plan; its sources behind a button; then back.
      await chat.pressData(planMsg.buttons[0]![0]!.data, planMsg.id);
      const first = plan.steps[0]!.card;
      const card = chat.messages().find((m) => m.id === planMsg.id)!;
      expect(card.text.startsWith(plain(chat.t(`rights:${first}.title`)))).toBe(true);
      expect(card.text).not.toContain(plain(chat.t("rights:sources_title")));
      await chat.pressData(card.buttons[0]![0]!.data, planMsg.id);
      const withSources = chat.messages().find((m) => m.id === planMsg.id)!;
      expect(withSources.text).toContain(plain(chat.t("rights:sources_title")));
      expect(withSources.buttons.flat().map((b) => b.text)).toEqual([plain(chat.t("rights:plan.back"))]);
      await chat.pressData(withSources.buttons[0]![0]!.data, planMsg.id);
      expect(chat.messages().find((m) => m.id === planMsg.id)!.text).toBe(planMsg.text.slice(intro.length).trimStart());
      expect(chat.bot.api.refusals).toEqual([]);
    });
  }

  it("after changing an answer, the result sends the plan again only if it changed, and says so", async () => {
    const chat = new Chat(await testBot(), 8150, "ru");
    await chat.startIn("ru");
    await walkToResult(chat, chat.bot.app.deps.flows, STORIES[0]!.profile);
    const plans = () => chat.messages().filter((m) => m.text.includes(plain(chat.t("rights:plan.understood")))).length;
    expect(plans()).toBe(1);
    // The note changed: nothing in the plan depends on it, so only the closing comes again.
    await chat.say("/mydata");
    const note = chat.keyboard().buttons.flat().at(-1)!;
    await chat.pressData(note.data);
    await chat.skip();
    expect(plans()).toBe(1);
    expect(chat.keyboard().text.startsWith(plain(chat.t("rights:plan.unchanged")))).toBe(true);
    // The outcome changed: a new plan, marked as changed, with the cards of the new branch.
    await chat.say("/mydata");
    const outcome = chat.keyboard().buttons.flat()[3]!; // consent, who, country, outcome
    await chat.pressData(outcome.data);
    await chat.choose("legal", "outcome", "served");
    for (let i = 0; i < 10 && !chat.last().includes(plain(chat.t("rights:offer"))); i++) await chat.skip();
    expect(plans()).toBe(2);
    const changed = chat
      .messages()
      .filter((m) => m.text.includes(plain(chat.t("rights:plan.understood"))))
      .at(-1)!;
    expect(changed.text.startsWith(`🔄 ${chat.t("rights:plan.changed")}`)).toBe(true);
    expect(changed.text).toContain(plain(chat.t("legal:outcome.options.served")));
    expect(chat.bot.api.refusals).toEqual([]);
  });

  it("a step from a plan left in the chat after /delete says it is out of date, and changes nothing", async () => {
    const chat = new Chat(await testBot(), 8100, "ru");
    await chat.startIn("ru");
    await walkToResult(chat, chat.bot.app.deps.flows, STORIES[0]!.profile);
    const planMsg = chat.messages().find((m) => m.text.startsWith(plain(chat.t("needs:result.text"))))!;
    await chat.say("/delete");
    await chat.press("common:delete.yes");
    const before = planMsg.text;
    await chat.pressData(planMsg.buttons[0]![0]!.data, planMsg.id);
    expect(chat.bot.api.calls.filter((c) => c.method === "answerCallbackQuery").pop()?.payload["text"]).toBe(chat.t("rights:plan.gone"));
    expect(chat.messages().find((m) => m.id === planMsg.id)?.text).toBe(before);
  });
});

const CHROMIUM = "/usr/bin/chromium";

describe.skipIf(!existsSync(CHROMIUM))("the summary document", () => {
  it("a man in Kazakhstan asks for his summary: one protected HTML file, in Russian, that opens offline with every card", async () => {
    const chat = new Chat(await testBot(), 8200, "ru");
    await chat.startIn("ru");
    await walkToResult(chat, chat.bot.app.deps.flows, STORIES[0]!.profile);
    const planMsg = chat.messages().find((m) => m.text.startsWith(plain(chat.t("needs:result.text"))))!;
    await chat.pressData(planMsg.buttons[1]![0]!.data, planMsg.id);
    expect(planMsg.buttons[1]![0]!.text).toBe("📄 Прислать мне итог");
    const sent = chat.bot.api.calls.filter((c) => c.method === "sendDocument");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.payload["protect_content"]).toBe(true);
    const file = sent[0]!.payload["document"] as InputFile;
    expect(file.filename).toBe("summary.html");
    const html = Buffer.from((file as unknown as { fileData: Uint8Array }).fileData).toString("utf8");
    const dir = mkdtempSync(join(tmpdir(), "qadam-summary-"));
    writeFileSync(join(dir, "summary.html"), html);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`file://${join(dir, "summary.html")}`);
      expect(await page.title()).toBe(chat.t("rights:summary_doc.title"));
      const text = (await page.textContent("body")) ?? "";
      const plan = planOf(chat.bot.app.deps.flows, chat.bot.app.deps.cards, answersFor(chat.bot.app.deps.flows, STORIES[0]!.profile));
      // Every card, not only the five steps, each with its sources.
      const { resultView } = await import("../src/rights/evaluate.js");
      const result = resultView(chat.bot.app.deps.flows, chat.bot.app.deps.cards, answersFor(chat.bot.app.deps.flows, STORIES[0]!.profile));
      expect(result.cards.length).toBeGreaterThan(plan.steps.length - 1);
      for (const c of result.cards) expect(text).toContain(plain(chat.t(`rights:${c.id}.title`)));
      expect(text).toContain("Скорая помощь: 103");
      expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
