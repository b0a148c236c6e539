/** Runs `npm start`'s entry point as a child process, the way a person or CI would. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

export const MAIN = ["--import", "tsx", "src/main.ts"];

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
