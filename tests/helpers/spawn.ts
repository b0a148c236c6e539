/** Runs `npm start`'s entry point as a child process, the way a person or CI would. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

export const MAIN = ["--import", "tsx", "src/main.ts"];

/** Session keys for tests only (never a deployment's). */
export const TEST_KEYS = "k1:9bAbF1SYa2MNZmEGRb8dwMmuW3nCTzTxSGKmfuNEGhQ";
export const TEST_SECRET = "3HUQg2iBmHHJ4KcwbTdjkOe4tb0i0bUvD4Qv8VZd0Wk";
/** The bot's signing seed in tests; lawyers' tools check files against its verify key. */
export const TEST_SIGNING_KEY = "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o";

/**
 * The settings of a bot process on "Telegram" in tests and the bench: the local Bot API emulator,
 * a throwaway Redis, the test keys and the test partners file (whose triage key this is).
 */
export function telegramEnv(apiRoot: string, redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BOT_TOKEN: "123456:test-token-for-the-local-emulator-only",
    TELEGRAM_API_ROOT: apiRoot,
    REDIS_URL: redisUrl,
    SESSION_KEYS: TEST_KEYS,
    SESSION_SECRET: TEST_SECRET,
    SIGNING_KEY: TEST_SIGNING_KEY,
    TRIAGE_PUBLIC_KEY: "QKweAqRnCcpTAN4wPfly88ChJ1ofOQaj4VWq85vJBgA",
    PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml",
    LOG_LEVEL: "warn",
    ...extra,
  };
}

/** Environment for a child: this one, minus anything that would switch modes by accident. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of [
    "BOT_TOKEN",
    "REDIS_URL",
    "SESSION_KEYS",
    "SESSION_SECRET",
    "TELEGRAM_API_ROOT",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "OPS_PORT",
  ])
    delete env[k];
  return { ...env, ...extra };
}

export function start(extra: Record<string, string>): ChildProcess {
  return spawn(process.execPath, MAIN, { env: childEnv(extra), stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs to the end with this input; returns exit code and output. */
export async function runWithInput(
  input: string,
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(extra);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdin!.end(input);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, stdout, stderr };
}

const exec = promisify(execFile);

/** Runs one of Qadam's command-line tools (a src/cli/*.ts file) to the end. */
export async function tool(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await exec(process.execPath, ["--import", "tsx", script, ...args], { env: childEnv(env) });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
