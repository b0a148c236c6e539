/**
 * `npm run bench` (start-up part): how long `node dist/main.js`, the production image's command,
 * takes from being spawned to its first getUpdates, i.e. until it can hear people again after a
 * restart or a deploy. Goal: ≤ 1.5 s (median of 5 runs; --quick: 1 run).
 *
 * The bot runs on Telegram mode for real: a throwaway redis-server on a free port and the Bot API
 * emulator of the e2e tests (TELEGRAM_API_ROOT), with the same settings as tests/e2e-telegram.
 * Everything the bot does before polling is inside the figure: module loading, zod, the content
 * (flows, locales, checks), libsodium, Redis PING, getMe, setMyCommands for each language.
 *
 * The built tree is what is timed (not tsx), so dist/ is rebuilt first when any file under src/ is
 * newer than dist/main.js. Results go to bench/results-startup.json (--quick:
 * bench/results-startup-quick.json, not committed). `--node <path>` times another Node binary (the
 * image's Node 22, say); NODE_COMPILE_CACHE in the environment reaches the bot, as in the image.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { BotApiEmulator } from "../tests/helpers/bot-api-emulator.js";
import { freePort, TestRedis } from "../tests/helpers/redis.js";
import { childEnv, telegramEnv } from "../tests/helpers/spawn.js";
import { ensureBuilt } from "./built.js";
import { machineName } from "./machine.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 1 : 5;
const GOAL_MS = 1500;
const nodeAt = process.argv.indexOf("--node");
const NODE = nodeAt > 0 ? process.argv[nodeAt + 1]! : process.execPath;
const loadBefore = loadavg()[0]!;
const nodeVersion = execFileSync(NODE, ["--version"], { encoding: "utf8" }).trim();

ensureBuilt("startup bench");

const emu = new BotApiEmulator();
await emu.start();
const redis = await TestRedis.start();

/**
 * CPU time (user + system, all threads) a process has used so far, from /proc (Linux; NaN elsewhere).
 * Less moved by other work on a shared machine than the wall-clock figure.
 */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // After "pid (comm) ": state is field 3, utime 14 and stime 15, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

interface Run {
  /** spawn → first Bot API call (getMe): loading, content, keys, Redis PING. */
  toGetMe: number;
  /** spawn → first getUpdates: the figure. */
  toPoll: number;
  /** CPU time the bot had used by then. */
  cpu: number;
}

async function once(): Promise<Run> {
  const seen = emu.arrivals.length;
  const first = (method: string) => emu.arrivals.slice(seen).find((a) => a.method === method)?.at;
  // The same settings as tests/e2e-telegram.test.ts; OPS_PORT on a free port so the operator's
  // server (9464 by default) never collides with anything else on this machine.
  const env = childEnv(telegramEnv(emu.apiRoot, redis.url, { OPS_PORT: String(await freePort()) }));
  let stderr = "";
  const t0 = performance.now();
  const child: ChildProcess = spawn(NODE, ["dist/main.js"], { env, stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const until = Date.now() + 20_000;
  while (first("getUpdates") === undefined) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`the bot did not reach getUpdates (exit ${child.exitCode}):\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const cpu = cpuMs(child.pid);
  const toPoll = first("getUpdates")! - t0;
  const toGetMe = (first("getMe") ?? Number.NaN) - t0;
  child.kill("SIGTERM");
  const timeout = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timeout);
  return { toGetMe, toPoll, cpu };
}

const runs: Run[] = [];
try {
  // One run not counted: the first spawn pays for a cold file-system cache, which a restarting
  // container does not (its image layers are already read).
  if (!quick) await once();
  for (let i = 0; i < RUNS; i++) runs.push(await once());
} finally {
  await emu.stop();
  await redis.down();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${Math.round(x)} ms`;
const polls = runs.map((r) => r.toPoll);
const getMes = runs.map((r) => r.toGetMe);
const spread = `${ms(Math.min(...polls))}–${ms(Math.max(...polls))}`;
const ok = median(polls) <= GOAL_MS;
const rows = [
  {
    figure: `spawn → first getUpdates, node dist/main.js (median of ${RUNS}; spread)`,
    qadam: `${ms(median(polls))} (${spread})`,
    goal: `≤ ${GOAL_MS} ms`,
    ok,
  },
  {
    figure: "of which spawn → getMe (loading, content, keys, Redis PING)",
    qadam: ms(median(getMes)),
    goal: "",
    ok: true,
  },
  {
    figure: "CPU time used by then (user + system; median)",
    qadam: ms(median(runs.map((r) => r.cpu))),
    goal: "",
    ok: true,
  },
];
// Start-up is mostly CPU (module loading, parsing the content): the load average says how busy the
// machine was, since a shared 2-core machine can double the figure.
const machine = `${machineName(nodeVersion)}${process.env["NODE_COMPILE_CACHE"] ? " (compile cache)" : ""}, load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`;
console.log(`Qadam start-up, ${machine}${quick ? " (quick)" : ""}`);
for (const r of rows) console.log(`${r.ok ? "ok  " : "MISS"}  ${r.figure.padEnd(68)} ${r.qadam.padEnd(26)} ${r.goal && `goal ${r.goal}`}`);
writeFileSync(
  quick ? "bench/results-startup-quick.json" : "bench/results-startup.json",
  `${JSON.stringify({ at: new Date().toISOString(), machine, quick, runs: runs.map((r) => ({ toGetMe: Math.round(r.toGetMe), toPoll: Math.round(r.toPoll), cpu: r.cpu })), rows }, null, 2)}\n`,
);
