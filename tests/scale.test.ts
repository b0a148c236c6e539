/**
 * Two instances of Qadam behind one webhook address, on one Redis, as a deployment that outgrew
 * one process runs: real bot processes (`src/main.ts` in webhook mode), a local Bot API emulator
 * for what they send, and the test playing Telegram, which posts each update to one instance.
 * Then the operator's side of the same processes: /healthz and /metrics.
 */
import type { ChildProcess } from "node:child_process";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotApiEmulator } from "./helpers/bot-api-emulator.js";
import { TEST_KEYS, TEST_SECRET } from "./helpers/chat.js";
import { freePort, TestRedis } from "./helpers/redis.js";
import { start } from "./helpers/spawn.js";

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
  const child = start({
    BOT_TOKEN: "123456:test-token-for-the-local-emulator-only",
    TELEGRAM_API_ROOT: emu.apiRoot,
    REDIS_URL: redis.url,
    SESSION_KEYS: TEST_KEYS,
    SESSION_SECRET: TEST_SECRET,
    SIGNING_KEY: "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o",
    TRIAGE_PUBLIC_KEY: "QKweAqRnCcpTAN4wPfly88ChJ1ofOQaj4VWq85vJBgA",
    PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml",
    LOG_LEVEL: "warn",
    UPDATES_PER_10S: "500",
    WEBHOOK_URL,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_HOST: "127.0.0.1",
    WEBHOOK_PORT: String(webhook),
    OPS_PORT: String(ops),
  });
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
});
