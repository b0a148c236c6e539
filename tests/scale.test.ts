/**
 * Two instances of Qadam behind one webhook address, on one Redis, as a deployment that outgrew
 * one process runs: real bot processes (`src/main.ts` in webhook mode), a local Bot API emulator
 * for what they send, and the test playing Telegram, which posts each update to one instance.
 * Then the operator's side of the same processes: /healthz and /metrics.
 */
import type { ChildProcess } from "node:child_process";
import type { Update } from "grammy/types";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatTurns } from "../src/storage/turns.js";
import { BotApiEmulator } from "./helpers/bot-api-emulator.js";
import { freePort, TestRedis } from "./helpers/redis.js";
import { start, telegramEnv } from "./helpers/spawn.js";

const SECRET = "webhook-secret-for-the-test-0123456789";
const WEBHOOK_URL = "https://qadam.example.org/telegram/hook";

interface Instance {
  child: ChildProcess;
  webhook: number;
  ops: number;
  stderr: string;
}

let emu: BotApiEmulator;
let redis: TestRedis;
const instances: Instance[] = [];

async function launch(): Promise<Instance> {
  const [webhook, ops] = [await freePort(), await freePort()];
  const child = start(
    telegramEnv(emu.apiRoot, redis.url, {
      UPDATES_PER_10S: "500",
      WEBHOOK_URL,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_HOST: "127.0.0.1",
      WEBHOOK_PORT: String(webhook),
      OPS_PORT: String(ops),
    }),
  );
  const inst: Instance = { child, webhook, ops, stderr: "" };
  child.stderr!.on("data", (d) => (inst.stderr += d));
  // Ready when its health says so (Redis reached, worker running, webhook server listening).
  const until = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${ops}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until || child.exitCode !== null) throw new Error(`the instance did not start: ${inst.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return inst;
}

/** Telegram posting one update to one instance; resolves with the HTTP status when it answers. */
async function post(inst: Instance, update: Update, secret: string | null = SECRET): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${inst.webhook}/telegram/hook`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) },
    body: JSON.stringify(update),
  });
  await res.arrayBuffer();
  return res.status;
}

/** The one update the person's action made (the emulator queues it; here Telegram delivers it). */
function made(): Update {
  const [u, ...rest] = emu.take();
  if (!u || rest.length) throw new Error(`expected one update, got ${rest.length + (u ? 1 : 0)}`);
  return u;
}

/** The person's next action, the same in every chat: /start, then the first button on screen. */
function act(chat: number, step: number): void {
  if (step === 0) {
    emu.userSends(chat, "/start", "en");
    return;
  }
  const last = [...emu.messages.values()].filter((m) => m.chatId === chat && m.buttons.length).pop();
  const first = last?.buttons.flat()[0]?.text.replace(/^(✅|▫️) /, "");
  if (!first) throw new Error(`chat ${chat}: no button to press at step ${step}`);
  emu.userPresses(chat, first);
}

/** What the chat shows now, in order: what the bot sent and has not erased. */
const transcript = (chat: number) =>
  [...emu.messages.values()]
    .filter((m) => m.chatId === chat && !m.fromPerson)
    .sort((a, b) => a.id - b.id)
    .map((m) => `${m.text} ${m.buttons.flat().map((b) => `[${b.text}]`)}`);

async function metric(inst: Instance, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${inst.ops}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, "gm"))].reduce((s, m) => s + Number(m[1]), 0);
}

const STEPS = 14;

beforeAll(async () => {
  emu = new BotApiEmulator();
  await emu.start();
  redis = await TestRedis.start();
  instances.push(await launch(), await launch());
}, 60_000);

afterAll(async () => {
  for (const i of instances) if (i.child.exitCode === null) i.child.kill("SIGKILL");
  await emu.stop();
  await redis.down();
});

describe("two instances behind one webhook, on one Redis", () => {
  it("each instance set the webhook with its secret, and an update without the secret is refused (401)", async () => {
    expect(emu.webhook).toEqual({ url: WEBHOOK_URL, secret: SECRET });
    emu.userSends(1, "/start", "en");
    const u = made();
    expect(await post(instances[0]!, u, null)).toBe(401);
    expect(await post(instances[0]!, u, "a-wrong-secret-of-enough-length")).toBe(401);
    expect(transcript(1)).toEqual([]); // nothing was handled
  });

  it("people in 24 chats, their updates spread round-robin, some sent twice: each handled once, in order", async () => {
    // One person alone, through one instance: what every chat must end up showing.
    const ref = 700_000;
    for (let step = 0; step < STEPS; step++) {
      act(ref, step);
      expect(await post(instances[0]!, made())).toBe(200);
    }
    const expected = transcript(ref);
    expect(expected.length).toBeGreaterThan(5);

    // 24 people at once; Telegram sends a chat's updates one after another and chats in parallel.
    // Each update goes to the next instance in turn; every third one is also sent, at the same
    // moment, to the other instance (a retry after a timeout that reached another process).
    const chats = Array.from({ length: 24 }, (_, i) => 710_000 + i);
    let next = 0;
    let repeats = 0;
    const handledBefore = await metric(instances[0]!, "qadam_updates_total").then(
      async (a) => a + (await metric(instances[1]!, "qadam_updates_total")),
    );
    await Promise.all(
      chats.map(async (chat) => {
        for (let step = 0; step < STEPS; step++) {
          act(chat, step);
          const u = made();
          const at = next++ % 2;
          const sends = [post(instances[at]!, u)];
          if (step % 3 === 1) {
            repeats++;
            sends.push(post(instances[1 - at]!, u));
          }
          expect(await Promise.all(sends)).toEqual(sends.map(() => 200));
        }
      }),
    );
    for (const chat of chats) expect(transcript(chat), `chat ${chat}`).toEqual(expected);
    const handled = (await metric(instances[0]!, "qadam_updates_total")) + (await metric(instances[1]!, "qadam_updates_total"));
    const dropped =
      (await metric(instances[0]!, "qadam_updates_duplicate_total")) + (await metric(instances[1]!, "qadam_updates_duplicate_total"));
    expect(dropped).toBe(repeats);
    // Every update passed the metrics once per delivery: the repeats were dropped, not handled.
    expect(handled - handledBefore).toBe(chats.length * STEPS + repeats);
    expect(emu.refusals).toEqual([]);
  }, 120_000);

  it("a chat's next update that reaches the other instance waits while the first is still being handled", async () => {
    const chat = 730_000;
    for (let step = 0; step < 4; step++) {
      act(chat, step);
      expect(await post(instances[0]!, made())).toBe(200);
    }
    // The first instance is slow: its reply is held on the way to Telegram.
    let release!: () => void;
    emu.hold = new Promise<void>((r) => (release = r));
    act(chat, 4);
    const first = post(instances[0]!, made());
    await emu.waitFor(() => emu.holding === 1, "the first reply held");
    emu.userSends(chat, "/help", "en");
    const second = post(instances[1]!, made());
    // The second instance does not start on it meanwhile (it would send its reply, held too).
    await new Promise((r) => setTimeout(r, 600));
    expect(emu.holding).toBe(1);
    release();
    emu.hold = undefined;
    expect(await Promise.all([first, second])).toEqual([200, 200]);
    const last = transcript(chat);
    // The help came after the answer's reply, as the person sent them.
    expect(last[last.length - 1]).toMatch(/^How Qadam works/);
  }, 30_000);

  it("/healthz says what is wrong when Redis is down, and /metrics shows load without naming anyone", async () => {
    const [a] = instances as [Instance, Instance];
    const ok = await fetch(`http://127.0.0.1:${a.ops}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, redis: "ok", worker: "running" });
    const metrics = await (await fetch(`http://127.0.0.1:${a.ops}/metrics`)).text();
    for (const name of [
      "qadam_updates_total",
      "qadam_update_duration_seconds_bucket",
      "qadam_update_errors_total",
      "qadam_updates_duplicate_total",
      "qadam_delivery_queue_jobs",
      "qadam_deliveries_total",
      "qadam_process_resident_memory_bytes",
    ])
      expect(metrics, name).toContain(name);
    // Labels are fixed words: no chat id, no text a person typed or saw.
    const labels = new Set([...metrics.matchAll(/(\w+)="([^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`));
    expect([...labels].filter((l) => /=\d{5,}$|English|start|Help/.test(l))).toEqual([]);
    expect([...metrics.matchAll(/^qadam_updates_total\{kind="(\w+)"\}/gm)].map((m) => m[1])).toEqual([
      "message",
      "callback_query",
      "edited_message",
      "my_chat_member",
      "other",
    ]);
    expect((await fetch(`http://127.0.0.1:${a.ops}/nothing`)).status).toBe(404);

    await redis.down();
    const down = await fetch(`http://127.0.0.1:${a.ops}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ ok: false, redis: "unreachable" });
    await redis.up();
    const until = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < until) {
      status = (await fetch(`http://127.0.0.1:${a.ops}/healthz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  }, 60_000);

  it("on SIGTERM each instance finishes and exits cleanly", async () => {
    const exits = instances.map((i) => new Promise<number | null>((resolve) => i.child.on("exit", resolve)));
    for (const i of instances) i.child.kill("SIGTERM");
    expect(await Promise.all(exits)).toEqual([0, 0]);
    for (const i of instances) expect(i.stderr).not.toMatch(/error/i);
  }, 30_000);
});

describe("a chat's turn, when an instance dies", () => {
  it("a waiter that died loses its place, and a holder that died loses the lock, so the chat is not stuck", async () => {
    const conn = new Redis(redis.url);
    const turns = new ChatTurns(conn, { lockMs: 400, placeMs: 200, pollMs: 5 });
    const order: number[] = [];
    // Update 5 was waiting in an instance that died: its place was written once and never renewed.
    await conn.zadd("qadam:turn:q:chat-a", 5, "5");
    await conn.hset("qadam:turn:p:chat-a", "5", Date.now() + 200);
    // Update 6 waits for 5, then goes on once 5's place has lapsed.
    const started = Date.now();
    await turns.inTurn("chat-a", 6, async () => void order.push(6));
    expect(order).toEqual([6]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    // An instance died holding the chat's lock: the next update waits for the lock to lapse.
    await conn.set("qadam:turn:l:chat-b", "dead-instance", "PX", 400);
    const t0 = Date.now();
    await turns.inTurn("chat-b", 9, async () => void order.push(9));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(order).toEqual([6, 9]);
    // Nothing is left behind: the chat's keys are gone once its updates are done.
    expect(await conn.keys("qadam:turn:[lqp]:*")).toEqual([]);
    conn.disconnect();
  }, 20_000);
});
