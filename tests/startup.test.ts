/**
 * Starting on Telegram when something is missing: a clear message that names what is unreachable
 * or wrong, after a bounded number of tries, and a non-zero exit; never a silent hang.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_KEYS, TEST_SECRET } from "./helpers/chat.js";
import { freePort, TestRedis } from "./helpers/redis.js";
import { runWithInput } from "./helpers/spawn.js";

const SIGNING_KEY = "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o";
let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis.down();
});

const telegram = async (extra: Record<string, string>) =>
  runWithInput("", {
    BOT_TOKEN: "123456:test-token-for-the-local-emulator-only",
    SESSION_KEYS: TEST_KEYS,
    SESSION_SECRET: TEST_SECRET,
    SIGNING_KEY,
    TRIAGE_PUBLIC_KEY: "QKweAqRnCcpTAN4wPfly88ChJ1ofOQaj4VWq85vJBgA",
    PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml",
    START_ATTEMPTS: "2",
    LOG_LEVEL: "silent",
    ...extra,
  });

describe("starting on Telegram", () => {
  it("Telegram unreachable: says so, and exits non-zero", async () => {
    const port = await freePort(); // nothing listens there
    const r = await telegram({ REDIS_URL: redis.url, TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Qadam cannot start: Telegram (http://127.0.0.1:${port}) is unreachable`);
  }, 30_000);

  it("Redis unreachable: says so once, and exits non-zero", async () => {
    const port = await freePort();
    const r = await telegram({ REDIS_URL: `redis://127.0.0.1:${port}`, TELEGRAM_API_ROOT: "http://127.0.0.1:9" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Qadam cannot start: Redis (REDIS_URL) is unreachable");
  }, 30_000);

  it("a key that is not valid base64url names its variable and the tool that makes one", async () => {
    const r = await telegram({ REDIS_URL: redis.url, SIGNING_KEY: "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3p" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("SIGNING_KEY is not valid base64url; copy it again, or make one with: npm run keys:signing");
    const bad = await telegram({ REDIS_URL: redis.url, SIGNING_KEY: "short" });
    expect(bad.stderr).toContain("SIGNING_KEY: must be 32 bytes in base64url (43 characters); generate with: npm run keys:signing");
  }, 30_000);

  it("the example partners file is refused however its path is written", async () => {
    const r = await telegram({ REDIS_URL: redis.url, PARTNERS_FILE: "./examples/../examples/partners.yaml" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PARTNERS_FILE: is the example file/);
  }, 30_000);
});
