/**
 * The deployment files, checked without a Docker engine: compose.yaml (Redis persistence and
 * eviction, volumes, healthchecks, the bot's wiring), the Dockerfile (what it copies exists, the
 * runtime stage is production-only and runs as `node` with the referrals folder its own),
 * .env.example (exactly the settings src/config.ts knows), the commands the README and
 * .env.example give (`node dist/cli/…`) against a fresh build, and the production dependency tree
 * read from package-lock.json the way `npm ci` with the Dockerfile's flags reads it.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig, SETTINGS } from "../src/config.js";
import { freePort } from "./helpers/redis.js";

const exec = promisify(execFile);
const ROOT = resolve(".");
const read = (f: string) => readFileSync(join(ROOT, f), "utf8");

// ---------- compose.yaml ----------

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  env_file?: string | string[];
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  restart?: string;
  healthcheck?: { test?: string | string[] };
  volumes?: string[];
  ports?: unknown;
}
const compose = parse(read("compose.yaml")) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const redisSvc = compose.services["redis"]!;
const bot = compose.services["bot"]!;

/** A command or healthcheck test as one list of words (compose accepts a string or a list). */
const words = (c: string | string[] | undefined): string[] => (Array.isArray(c) ? c : (c ?? "").split(/\s+/).filter(Boolean));
/** The named volume mounted at `target`, if any (`name:/path[:ro]`, where name is not a path). */
const namedVolumeAt = (svc: Service, target: string): string | undefined =>
  (svc.volumes ?? []).map((v) => v.split(":")).find(([src, dst]) => dst === target && src && !/^[./~]/.test(src))?.[0];
const env = (svc: Service): Record<string, string> =>
  Array.isArray(svc.environment)
    ? Object.fromEntries(svc.environment.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]))
    : (svc.environment ?? {});

/** Where the bot writes sealed files inside the image: REFERRALS_DIR's default, under WORKDIR /app. */
const REFERRALS = `/app/${loadConfig({}).REFERRALS_DIR}`;

describe("compose.yaml", () => {
  it("redis: the official Redis 7 image, AOF on, noeviction (BullMQ), a named volume for /data, a ping healthcheck, no published port", () => {
    expect(redisSvc.image).toMatch(/^redis:7(\.|-|$)/);
    const cmd = words(redisSvc.command);
    expect(cmd[0]).toBe("redis-server");
    expect(cmd[cmd.indexOf("--appendonly") + 1]).toBe("yes");
    expect(cmd[cmd.indexOf("--maxmemory-policy") + 1]).toBe("noeviction");
    const vol = namedVolumeAt(redisSvc, "/data");
    expect(vol, "a named volume at /data").toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(vol);
    expect(words(redisSvc.healthcheck?.test).join(" ")).toMatch(/redis-cli ping/);
    expect(redisSvc.ports).toBeUndefined();
  });

  it("bot: built from the Dockerfile, .env, Redis by service name once healthy, restarted, referrals on a named volume, no open port", () => {
    const build = typeof bot.build === "string" ? { context: bot.build } : (bot.build ?? {});
    expect(existsSync(join(ROOT, build.context ?? ".", build.dockerfile ?? "Dockerfile"))).toBe(true);
    expect(words(bot.env_file as string | string[])).toContain(".env");
    expect(env(bot)["REDIS_URL"]).toBe("redis://redis:6379");
    expect((bot.depends_on as Record<string, { condition?: string }>)["redis"]?.condition).toBe("service_healthy");
    expect(["always", "unless-stopped", "on-failure"]).toContain(bot.restart);
    const vol = namedVolumeAt(bot, REFERRALS);
    expect(vol, `a named volume at ${REFERRALS}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(vol);
    // Long polling needs no port; the webhook example stays a comment.
    expect(bot.ports).toBeUndefined();
  });

  it("bot's healthcheck: node's fetch of /healthz exits 0 on 200 and 1 on 503 or when nothing listens", async () => {
    const test = words(bot.healthcheck?.test);
    expect(test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
    const script = test[3]!;
    expect(script).toContain("/healthz");
    // The port compose fills in: OPS_PORT from .env, else the bot's default 9464.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${…} syntax, not a template
    const portVar = "${OPS_PORT:-9464}";
    expect(script).toContain(portVar);
    let status = 200;
    const server = createServer((req, res) => res.writeHead(req.url === "/healthz" ? status : 404).end());
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    const run = async () =>
      exec(process.execPath, ["-e", script.replace(portVar, String(port))]).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
    try {
      expect(await run()).toBe(0);
      status = 503;
      expect(await run()).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await run()).toBe(1); // nothing listens: refused, not hung
  });
});

// ---------- Dockerfile ----------

interface Instruction {
  op: string;
  args: string;
  stage: string;
}
/** The Dockerfile as instructions (continuations joined, comments dropped), each with its stage's name. */
function dockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = "";
  const lines = text.split("\n").filter((l) => !/^\s*#/.test(l));
  for (const line of lines.join("\n").replace(/\\\n/g, " ").split("\n")) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === "FROM") stage = /\bAS\s+(\S+)/i.exec(m[2]!)?.[1] ?? String(out.length);
    out.push({ op, args: m[2]!.trim(), stage });
  }
  return out;
}
const steps = dockerfile(read("Dockerfile"));
const runtimeStage = steps.filter((s) => s.op === "FROM").at(-1)!.stage;
const runtime = steps.filter((s) => s.stage === runtimeStage);
const npmCi = runtime.find((s) => s.op === "RUN" && /\bnpm ci\b/.test(s.args))?.args ?? "";

describe("Dockerfile", () => {
  it("every stage is Node 22 LTS", () => {
    for (const from of steps.filter((s) => s.op === "FROM")) expect(from.args).toMatch(/^node:22[-.\s]/);
  });

  it("every COPY from the build context exists and is not left out by .dockerignore", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim().replace(/\/$/, ""))
      .filter((l) => l && !l.startsWith("#"));
    const copies = steps.filter((s) => s.op === "COPY" && !s.args.startsWith("--from"));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      const parts = c.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      for (const src of parts.slice(0, -1)) {
        expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
        expect(ignored, `COPY ${src} is in .dockerignore`).not.toContain(src.split("/")[0]);
      }
    }
  });

  it("the runtime stage takes dist/ from a stage that builds it, and runs node dist/main.js under tini", () => {
    const fromBuild = runtime.find((s) => s.op === "COPY" && s.args.startsWith("--from="));
    const builder = /^--from=(\S+)\s+(\S+)/.exec(fromBuild?.args ?? "");
    expect(builder?.[2]).toBe("/app/dist");
    expect(steps.some((s) => s.stage === builder?.[1] && s.op === "RUN" && /npm run build/.test(s.args))).toBe(true);
    const buildConfig = JSON.parse(read("tsconfig.build.json")) as { compilerOptions: { outDir: string } };
    expect(buildConfig.compilerOptions.outDir).toBe("dist");
    expect(JSON.parse(runtime.find((s) => s.op === "CMD")!.args)).toEqual(["node", "dist/main.js"]);
    expect(JSON.parse(runtime.find((s) => s.op === "ENTRYPOINT")!.args)[0]).toMatch(/tini$/);
  });

  it("the runtime stage installs production dependencies only (no dev, no optional: see the lockfile test below)", () => {
    expect(npmCi).toMatch(/--omit=dev\b/);
    expect(npmCi).toMatch(/--omit=optional\b/);
  });

  it(`runs as a non-root user, who owns ${REFERRALS} (made before USER, since /app is root's)`, () => {
    const users = runtime.filter((s) => s.op === "USER");
    const user = users.at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0", "0:0"]).not.toContain(user);
    const userAt = runtime.indexOf(users.at(-1)!);
    const mk = runtime.findIndex((s) => s.op === "RUN" && s.args.includes(`mkdir -p ${REFERRALS}`));
    expect(mk, `RUN mkdir -p ${REFERRALS}`).toBeGreaterThanOrEqual(0);
    expect(mk).toBeLessThan(userAt);
    expect(runtime[mk]!.args).toMatch(new RegExp(`chown (-R )?${user}(:${user})? ${REFERRALS}\\b`));
    expect(runtime.find((s) => s.op === "WORKDIR")?.args).toBe("/app");
    // Node's compile cache, if used, must be writable by that user too (or Node quietly skips it).
    const cache = /NODE_COMPILE_CACHE[= ](\S+)/.exec(
      runtime.find((s) => s.op === "ENV" && s.args.includes("NODE_COMPILE_CACHE"))?.args ?? "",
    )?.[1];
    if (cache)
      expect(runtime.slice(0, userAt).some((s) => s.op === "RUN" && new RegExp(`chown ${user}[^&]* ${cache}\\b`).test(s.args))).toBe(true);
  });
});

// ---------- .env.example ----------

describe(".env.example", () => {
  const lines = read(".env.example").split("\n");
  const names = lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => l.slice(0, l.indexOf("=")));

  it("lists exactly the settings of src/config.ts, each once", () => {
    expect(SETTINGS.length).toBe(30);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...SETTINGS].sort());
  });

  it("explains each setting on the line above it, and leaves every key empty", () => {
    for (const name of names) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect(lines[at - 1], `the comment above ${name}`).toMatch(/^# \S/);
    }
    for (const secret of ["BOT_TOKEN", "SESSION_KEYS", "SESSION_SECRET", "SIGNING_KEY", "WEBHOOK_SECRET", "TRIAGE_PUBLIC_KEY"])
      expect(lines).toContain(`${secret}=`);
  });
});

// ---------- the built tree and the commands the docs give ----------

/** A fresh build into a temporary folder, with the repository's node_modules beside it for imports. */
let built = "";
beforeAll(async () => {
  built = mkdtempSync(join(tmpdir(), "qadam-deploy-"));
  symlinkSync(join(ROOT, "node_modules"), join(built, "node_modules"), "dir");
  await exec(process.execPath, [
    join(ROOT, "node_modules/typescript/bin/tsc"),
    "-p",
    "tsconfig.build.json",
    "--outDir",
    join(built, "dist"),
  ]);
}, 120_000);
afterAll(() => {
  if (built) rmSync(built, { recursive: true, force: true });
});

/** Runs a built file as the image would (cwd holds flows/ and locales/: here the repository). */
const runBuilt = (file: string, args: string[] = [], extra: Record<string, string> = {}) =>
  exec(process.execPath, [join(built, file), ...args], { cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", ...extra } });

describe("the built tree", () => {
  it("has what the image runs, and every `node dist/cli/…` the README, .env.example and compose.yaml give", () => {
    expect(existsSync(join(built, "dist/main.js"))).toBe(true);
    const docs = ["README.md", ".env.example", "compose.yaml"].map(read).join("\n");
    const tools = [...new Set([...docs.matchAll(/node (dist\/cli\/[\w-]+\.js)/g)].map((m) => m[1]!))];
    expect(tools.length).toBeGreaterThanOrEqual(5);
    for (const t of tools) expect(existsSync(join(built, t)), t).toBe(true);
  });

  it("the key tools .env.example names print settings that Qadam accepts", async () => {
    const session = (await runBuilt("dist/cli/keys.js")).stdout;
    const signing = (await runBuilt("dist/cli/keys-signing.js")).stdout;
    const settings = Object.fromEntries(
      [...`${session}\n${signing}`.matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!] as [string, string]),
    );
    expect(Object.keys(settings).sort()).toEqual(["SESSION_KEYS", "SESSION_SECRET", "SIGNING_KEY"]);
    const example = read(".env.example");
    expect(example).toContain("node dist/cli/keys.js");
    expect(example).toContain("node dist/cli/keys-signing.js");
    // Accepted as Redis-backed settings (keys are required and checked there).
    expect(loadConfig({ ...settings, REDIS_URL: "redis://127.0.0.1:1" }).mode).toBe("local");
  }, 30_000);

  it("flows:check runs from dist/ (the unused-key check reads built .js)", async () => {
    const r = await runBuilt("dist/cli/flows-check.js");
    expect(r.stdout).toContain("all good");
  }, 30_000);

  it("the lawyer page's tool needs esbuild (a dev dependency), so the README says it runs from a source checkout", () => {
    expect(read("src/cli/lawyer-page.ts")).toMatch(/from "esbuild"/);
    expect(read("README.md")).not.toMatch(/node dist\/cli\/lawyer-page\.js/);
    expect(read("README.md")).toMatch(/lawyer:page[^\n]*source checkout|source checkout[^\n]*lawyer:page/);
  });
});

// ---------- the production dependency tree ----------

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, LockEntry> };
const omitted = new Set([...npmCi.matchAll(/--omit=(\w+)/g)].map((m) => m[1]!));

/**
 * What `npm ci` with the Dockerfile's --omit flags installs: a package flagged dev, optional or
 * peer is left out when that kind is omitted; one flagged devOptional (a dev dependency that is
 * also an optional one of production, e.g. typescript as i18next's optional peer) only when both
 * dev and optional are.
 */
const installed = (e: LockEntry) =>
  !(e.dev && omitted.has("dev")) &&
  !(e.optional && omitted.has("optional")) &&
  !(e.peer && omitted.has("peer")) &&
  !(e.devOptional && omitted.has("dev") && omitted.has("optional"));
const production = Object.entries(lock.packages).filter(([path, e]) => path !== "" && installed(e));
const kept = new Set(production.map(([path]) => path));

/** Node's resolution within the lockfile: the nearest node_modules/<name> up from `from`. */
function resolveIn(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf("/node_modules/");
    base = up < 0 ? "" : base.slice(0, up);
  }
}

describe("the production dependency tree (package-lock.json, read as the Dockerfile's npm ci reads it)", () => {
  it("has no build or test tool", () => {
    const names = production.map(([path]) => path.slice(path.lastIndexOf("node_modules/") + 13));
    expect(names.length).toBeGreaterThan(20);
    const tools = names.filter((n) =>
      /^(typescript|vitest|tsx|esbuild|playwright-core|fast-check)$|^@(biomejs|esbuild|vitest|types)\//.test(n),
    );
    expect(tools).toEqual([]);
  });

  it("keeps every dependency the production packages require (optional ones aside)", () => {
    const missing: string[] = [];
    const root = lock.packages[""]!;
    for (const name of Object.keys(root.dependencies ?? {})) if (!kept.has(`node_modules/${name}`)) missing.push(`qadam → ${name}`);
    for (const [path, e] of production) {
      const required = [
        ...Object.keys(e.dependencies ?? {}),
        ...Object.keys(e.peerDependencies ?? {}).filter((n) => !e.peerDependenciesMeta?.[n]?.optional),
      ];
      for (const name of required) {
        const at = resolveIn(path, name);
        if (!at || !kept.has(at)) missing.push(`${path} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("no production package needs an install script when npm ci runs with --ignore-scripts", () => {
    if (!/--ignore-scripts\b/.test(npmCi)) return;
    expect(production.filter(([, e]) => e.hasInstallScript).map(([path]) => path)).toEqual([]);
  });
});
