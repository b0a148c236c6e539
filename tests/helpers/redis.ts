/**
 * A throwaway redis-server on a free port, for tests that need Redis. It never touches the
 * shared server on 6379, and it can be stopped and started again on the same port for fault tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Every redis-server this process started and has not stopped: killed when it exits, whatever the cause. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export class TestRedis {
  private proc: ChildProcess | undefined;
  /** `dir`: keep data on disk (append-only file), so a restart finds it again, as a real deployment would. */
  constructor(
    readonly port: number,
    private readonly dir?: string,
  ) {}

  static async start(opts: { persistDir?: string } = {}): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), opts.persistDir);
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const persistence = this.dir ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", this.dir] : ["--appendonly", "no"];
    this.proc = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", ...persistence], {
      stdio: "ignore",
    });
    const proc = this.proc;
    running.add(proc);
    proc.once("exit", () => running.delete(proc));
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(this.port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGKILL");
    });
  }

  /** A separate client for looking inside (scan, ttl). */
  client(): Redis {
    const c = new Redis(this.port, "127.0.0.1", { maxRetriesPerRequest: 1 });
    c.on("error", () => {});
    return c;
  }
}

/** Every key and everything stored under it, as text, whatever its type: for "what would a dump reveal". */
export async function dumpAll(client: Redis): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  for (const key of await client.keys("*")) {
    const type = await client.type(key);
    const value =
      type === "string"
        ? await client.get(key)
        : type === "hash"
          ? await client.hgetall(key)
          : type === "list"
            ? await client.lrange(key, 0, -1)
            : type === "set"
              ? await client.smembers(key)
              : type === "zset"
                ? await client.zrange(key, "0", "-1")
                : type === "stream"
                  ? await client.xrange(key, "-", "+")
                  : null;
    out.push({ key, text: JSON.stringify(value) });
  }
  return out;
}
