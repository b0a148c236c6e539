/**
 * The bot on real Redis (a throwaway redis-server per file): resuming after a restart, what a
 * Redis dump would reveal (nothing readable), real expiry, and a Redis crash in mid-interview.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chat, type TestBot, testBot } from "./helpers/chat.js";
import { dumpAll, TestRedis } from "./helpers/redis.js";

let redis: TestRedis;
const bots: TestBot[] = [];
const dir = mkdtempSync(join(tmpdir(), "qadam-redis-"));

beforeAll(async () => {
  redis = await TestRedis.start({ persistDir: dir });
});
afterAll(async () => {
  for (const b of bots) await b.app.close();
  await redis.down();
  rmSync(dir, { recursive: true, force: true });
});

async function botOnRedis(): Promise<TestBot> {
  const b = await testBot({ REDIS_URL: redis.url });
  bots.push(b);
  return b;
}

describe("sessions in Redis", () => {
  it("a relative in Uzbekistan picks Ўзбекча, answers, goes back, changes the country, and resumes after a restart", async () => {
    const chat = new Chat(await botOnRedis(), 700_001, "uz");
    await chat.say("/start");
    expect(chat.labels()[0]).toBe("Oʻzbekcha (lotin)"); // Telegram says "uz": Latin is offered first
    await chat.press("Ўзбекча (кирилл)");
    chat.lang = "uz-Cyrl";
    await chat.press("common:buttons.continue");
    await chat.press("opening:consent.options.agree");
    await chat.press("opening:who.options.relative");
    await chat.press("opening:person_knows.options.agrees");
    expect(chat.last()).toContain(chat.t("opening:country.text_family"));
    await chat.press("opening:country.options.kz");
    const intro = chat
      .t("legal:intro.text")
      .split("\n")[0]!
      .replace(/<[^>]+>/g, "");
    expect(chat.last()).toContain(intro);
    await chat.press("common:buttons.back");
    await chat.press("opening:country.options.uz");

    // A deploy: a new process, the same Redis.
    chat.bot = await botOnRedis();
    await chat.say("/start");
    expect(chat.last()).toBe(chat.t("common:resume.prompt"));
    await chat.press("common:resume.continue");
    expect(chat.last()).toContain(intro);
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("opening:country.options.uz"));
    expect(chat.last()).not.toContain(chat.t("opening:country.options.kz"));
  });

  it("stores nothing readable: no chat id in key names, no answer in values, and a real expiry", async () => {
    const chat = new Chat(await botOnRedis(), 700_002, "ru");
    await chat.startIn("ru");
    await chat.press("opening:who.options.relative");
    const peek = redis.client();
    const all = await dumpAll(peek);
    expect(all.length).toBeGreaterThan(0);
    for (const { key, text } of all) {
      expect(key).not.toContain("700002");
      for (const secret of ["relative", "agree", "opening", "interview", "answers", '"lang"']) expect(text).not.toContain(secret);
      if (key.startsWith("bull:")) continue; // the delivery queue's own bookkeeping
      expect(key).toMatch(/^qadam:s:[A-Za-z0-9_-]{32}$/);
      const ttl = await peek.ttl(key);
      expect(ttl).toBeGreaterThan(29 * 86_400);
      expect(ttl).toBeLessThanOrEqual(30 * 86_400);
    }
    peek.disconnect();
  });

  it("when Redis crashes mid-interview, the person is told plainly, and no answer is lost once it is back", async () => {
    const chat = new Chat(await botOnRedis(), 700_003, "en");
    await chat.startIn("en");
    await chat.press("opening:who.options.self");
    await redis.down();
    await chat.press("opening:country.options.kz");
    expect(chat.last()).toBe(chat.t("common:errors.unavailable"));
    await redis.up();
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("opening:who.options.self"));
    await chat.say("/start");
    await chat.press("common:resume.continue");
    expect(chat.last()).toContain(chat.t("opening:country.text"));
    await chat.press("opening:country.options.kz");
    expect(chat.last()).toContain(
      chat
        .t("legal:intro.text")
        .split("\n")[0]!
        .replace(/<[^>]+>/g, ""),
    );
  });
});
