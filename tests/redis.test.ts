/**
 * The bot on real Redis (a throwaway redis-server per file): resuming after a restart, what a
 * Redis dump would reveal (nothing readable), real expiry, and a Redis crash in mid-interview.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeliveryDeps, QueueDispatcher } from "../src/referrals/delivery.js";
import { connectRedis } from "../src/storage/redis.js";
import { Chat, TEST_KEYS, TEST_SECRET, type TestBot, testBot } from "./helpers/chat.js";
import { sendThroughQadam, walkToResult } from "./helpers/profile.js";
import { dumpAll, TestRedis } from "./helpers/redis.js";
import { runWithInput } from "./helpers/spawn.js";

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

  it("when the answer is taken but the session cannot be saved, the question just shown becomes the notice", async () => {
    const b = await botOnRedis();
    const chat = new Chat(b, 700_004, "en");
    await chat.startIn("en");
    const client = b.app.redis;
    if (!client) throw new Error("no redis");
    const set = client.set.bind(client) as (...a: unknown[]) => Promise<unknown>;
    let failed = false;
    (client as unknown as { set: (...a: unknown[]) => Promise<unknown> }).set = (...a: unknown[]) => {
      if (!failed && String(a[0]).startsWith("qadam:s:")) {
        failed = true;
        return Promise.reject(new Error("simulated write failure"));
      }
      return set(...a);
    };
    const before = chat.messages().length;
    await chat.press("opening:who.options.self");
    expect(failed).toBe(true);
    // The country question was sent, then could not be kept: it now says so, and nothing else was added.
    expect(chat.messages().length).toBe(before + 1);
    expect(chat.last()).toBe(chat.t("common:errors.unavailable"));
  });

  it("when Redis dies while a referral is being delivered, the delivery completes once it is back, once", async () => {
    const b = await testBot({ REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" }, undefined, {
      startWorker: true,
      retryBaseMs: 20,
      lockMs: 1000,
    });
    bots.push(b);
    // Telegram is slow to take the first file: Redis goes down while it is in flight.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    b.app.bot.api.config.use(async (prev, method, payload, signal) => {
      if (method === "sendDocument") await gate;
      return prev(method, payload, signal);
    });
    const chat = new Chat(b, 700_005, "en");
    await chat.startIn("en");
    await walkToResult(chat, b.app.deps.flows, { "opening/who": "self", "opening/country": "kz", "legal/outcome": "acquitted" });
    const code = await sendThroughQadam(chat);
    await new Promise((r) => setTimeout(r, 200));
    await redis.down();
    release();
    await new Promise((r) => setTimeout(r, 500));
    await redis.up();
    const mine = () => b.api.documents.filter((d) => d.caption.includes(code));
    // Two readers: the triage desk and the one matching partner (Almaty, compensation). For each,
    // the file arrived, or triage was told it may have (a send cut by the outage is not repeated
    // blindly); a file never arrives twice.
    const readers: [number, string][] = [
      [-1000001, "triage"],
      [-1000002, "kz_compensation"],
    ];
    const reports = () => [...b.api.messages.values()].filter((m) => m.chatId === -1000001 && m.text.includes(code)).map((m) => m.text);
    const settled = () =>
      readers.every(([chat, id]) => mine().some((d) => d.chatId === chat) || reports().some((r) => r.includes(` to ${id} `)));
    for (let i = 0; i < 400 && !settled(); i++) await new Promise((r) => setTimeout(r, 50));
    // Long enough for a job stalled by the outage to be taken up again (lockMs): it must not send twice.
    await new Promise((r) => setTimeout(r, 3000));
    expect(settled()).toBe(true);
    const chats = mine().map((d) => d.chatId);
    expect(new Set(chats).size).toBe(chats.length);
    expect(chats.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("a chat flooding two instances is asked once, in its language, to slow down; the count costs no Redis command of its own", async () => {
    let now = Date.parse("2026-11-27T10:00:00Z");
    const on = async () => {
      const b = await testBot({ REDIS_URL: redis.url, UPDATES_PER_10S: "6" }, "2026-11-27", { now: () => new Date(now) });
      bots.push(b);
      return b;
    };
    const [a, b] = [new Chat(await on(), 700_050, "ru"), new Chat(await on(), 700_050, "ru")];
    await a.say("/start");
    a.lang = "ru";
    b.lang = "ru";
    await a.press("common:language.names.ru");
    const probe = new Redis(redis.url);
    const commands = async () =>
      [...(await probe.info("commandstats")).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)]
        .filter(([, name]) => name !== "info")
        .reduce((n, [, , calls]) => n + Number(calls), 0);
    const before = await commands();
    await b.say("/help");
    // One update: the session read and written, nothing else.
    expect((await commands()) - before).toBe(2);
    for (let i = 0; i < 6; i++) await (i % 2 ? b : a).say("/help");
    const slow = a.t("common:errors.slow_down");
    const all = () => [...a.messages(), ...b.messages()].map((m) => m.text);
    expect(slow).toMatch(/[а-я]/);
    expect(all().filter((t) => t === slow)).toHaveLength(1);
    expect(await probe.keys("qadam:rl:*")).toEqual([]);
    // The next window: answered again.
    now += 10_001;
    const answered = all().length;
    await b.say("/help");
    expect(all()).toHaveLength(answered + 1);
    expect(all().at(-1)).not.toBe(slow);
    probe.disconnect();
  });
});

describe("the connection to Redis", () => {
  /** Counts the socket's writes (a system call each): one `_write` per lone chunk, one `_writev` per corked batch. */
  function countWrites(r: Redis): { writes: number } {
    const socket = r.stream as unknown as Record<string, (...a: unknown[]) => unknown>;
    const counted = { writes: 0 };
    for (const name of ["_write", "_writev"]) {
      const real = socket[name]!;
      socket[name] = function (this: unknown, ...a: unknown[]) {
        counted.writes++;
        return real.apply(this, a);
      };
    }
    return counted;
  }

  it("what many chats ask in the same moment leaves in one write, answered in order, and again after Redis restarts", async () => {
    const r = connectRedis({ REDIS_URL: redis.url }, { maxRetriesPerRequest: 3 });
    await r.ping();
    const asked = async () => {
      const counted = countWrites(r);
      const keys = Array.from({ length: 20 }, (_, i) => `qadam:test:coalesce:${i}`);
      await Promise.all(keys.map((k, i) => r.set(k, String(i), "EX", 60)));
      const values = await Promise.all(keys.map((k) => r.get(k)));
      expect(values).toEqual(keys.map((_, i) => String(i)));
      return counted.writes;
    };
    // 20 SETs in one turn, then 20 GETs in one turn: two writes, not forty.
    expect(await asked()).toBe(2);
    // A command alone is written at once, as before.
    const alone = countWrites(r);
    expect(await r.incr("qadam:test:coalesce:n")).toBe(1);
    expect(alone.writes).toBe(1);
    // Redis restarts: ioredis reconnects on a new socket, which is corked the same way.
    await redis.down();
    await redis.up();
    await new Promise<void>((ok) => (r.status === "ready" ? ok() : r.once("ready", () => ok())));
    expect(await asked()).toBe(2);
    r.disconnect();
  });
});

describe("referral limits on Redis", () => {
  it("a person in Kazakhstan allowed one referral a day sends one; a second press counts against no limit; a second case is refused, and only the day's count grew", async () => {
    const now = Date.parse("2026-11-27T10:00:00Z");
    const b = await testBot({ REDIS_URL: redis.url, REFERRALS_PER_DAY: "1" }, "2026-11-27", { now: () => new Date(now) });
    bots.push(b);
    const chat = new Chat(b, 700_060, "en");
    await chat.startIn("en");
    await walkToResult(chat, b.app.deps.flows, { "opening/who": "self", "opening/country": "kz", "legal/outcome": "acquitted" });
    const code = await sendThroughQadam(chat);
    expect(code).toMatch(/^QDM-/);
    const probe = new Redis(redis.url);
    const owner = b.app.deps.referrals.ownerId(700_060);
    const day = `qadam:lim:o:${owner}:2026-11-27`;
    const hour = "qadam:lim:g:2026-11-27T10";
    expect([await probe.get(day), await probe.get(hour)]).toEqual(["1", "1"]);
    const ttl = await probe.ttl(day);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
    // "Send" pressed again for the stored case (after a failure): found, and nothing counted.
    const limits = [
      { key: `o:${owner}:2026-11-27`, seconds: 86_400, max: 1 },
      { key: "g:2026-11-27T10", seconds: 3_600, max: 100 },
    ];
    expect(await b.app.deps.referrals.store.admit(code, limits)).toEqual({ stored: true, counts: [] });
    expect([await probe.get(day), await probe.get(hour)]).toEqual(["1", "1"]);
    // A second case the same day: refused in words; the hour's count stops at the day's.
    await chat.say("/restart");
    await chat.press("common:restart.yes");
    await chat.press("common:buttons.continue");
    await chat.press("opening:consent.options.agree");
    await walkToResult(chat, b.app.deps.flows, { "opening/who": "self", "opening/country": "kz", "needs/areas": ["money"] });
    await sendThroughQadam(chat);
    expect(chat.last()).toBe(chat.t("referral:limit.day", { count: 1 }));
    expect([await probe.get(day), await probe.get(hour)]).toEqual(["2", "1"]);
    expect(await b.app.deps.referrals.store.byOwner(owner)).toHaveLength(1);
    probe.disconnect();
  });
});

describe("the local chat on Redis", () => {
  it("an NGO tester runs the local chat against Redis: the referral sent on the last line is in the partners' folders when the chat ends", async () => {
    const out = join(dir, "local-chat-referrals");
    // English; me; Kazakhstan; acquitted; no notice; May 2025; "words"; nothing pending; no needs;
    // ill-treatment: no; a note; send to a lawyer; agree; by phone; the number; delete my answers; send.
    const lines = ["/start", "1", "1", "1", "1", "1", "1", "1", "2", "05.2025", "1", "6", "2", "1", "9", "10", "1", "2", "Call me"];
    const input = `${[...lines, "1", "1", "2", "+7 701 555 12 34", "2", "1"].join("\n")}\n`;
    // A database of its own: the queue holds nothing from the other stories here.
    const chat = await runWithInput(input, {
      REDIS_URL: `${redis.url}/5`,
      SESSION_KEYS: TEST_KEYS,
      SESSION_SECRET: TEST_SECRET,
      REFERRALS_DIR: out,
    });
    expect(chat.stderr).not.toContain("still queued");
    expect(chat.code).toBe(0);
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(chat.stdout)?.[0];
    expect(code).toBeDefined();
    for (const folder of ["triage", "kz_compensation", "kz_review"])
      expect(readdirSync(join(out, folder))).toEqual([`referral-${code}.qadam`]);
  }, 60_000);
});

describe("the delivery queue's keys", () => {
  it("each dispatch gives the queue's keys and its jobs the referrals' lifetime (those Qadam never makes, once an hour), and every key expires", async () => {
    // A Redis of its own: no worker of another test may take these jobs.
    const own = await TestRedis.start();
    const conn = own.client();
    const quiet = { warn() {}, error() {}, info() {}, debug() {} } as unknown as DeliveryDeps["logger"];
    const dispatcher = new QueueDispatcher({ logger: quiet } as DeliveryDeps, conn, { keepSeconds: 7 * 86_400 });
    const expires = async () => Number(/cmdstat_expire:calls=(\d+)/.exec(await conn.info("commandstats"))?.[1] ?? 0);
    try {
      const e0 = await expires();
      await dispatcher.dispatch("QDM-KEYS-0001", ["triage", "kz_review"]);
      const e1 = await expires();
      // As a worker would leave it: the waiting list taken (so made anew by the next dispatch).
      await conn.del("bull:qadam-referrals:wait", "bull:qadam-referrals:marker");
      await dispatcher.dispatch("QDM-KEYS-0002", ["triage", "kz_review"]);
      const e2 = await expires();
      expect(e1 - e0).toBe(9 + 10 + 2); // the queue's keys, those Qadam never makes, the two jobs
      expect(e2 - e1).toBe(9 + 2);
      const lasting: string[] = [];
      for (const key of await conn.keys("*")) {
        const ttl = await conn.ttl(key);
        if (ttl === -1 || ttl > 7 * 86_400) lasting.push(`${key} (${ttl})`);
      }
      expect(lasting).toEqual([]);
    } finally {
      await dispatcher.close();
      conn.disconnect();
      await own.down();
    }
  });
});
