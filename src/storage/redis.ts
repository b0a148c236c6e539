/**
 * One Redis connection from Qadam's settings: REDIS_URL alone, or the master that Sentinel names
 * (REDIS_SENTINELS `host:port,…` and REDIS_SENTINEL_NAME; REDIS_URL then gives only the password,
 * user and database). ioredis finds the master again after a failover by itself. The bot and the
 * staff tools connect the same way, so a deployment behind Sentinel needs nothing else.
 */
import { Redis, type RedisOptions } from "ioredis";

export interface RedisSettings {
  REDIS_URL?: string | undefined;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
}

export function connectRedis(s: RedisSettings, options: RedisOptions = {}): Redis {
  if (!s.REDIS_SENTINELS || !s.REDIS_SENTINEL_NAME) return coalesceWrites(new Redis(s.REDIS_URL ?? "", options));
  const url = new URL(s.REDIS_URL ?? "redis://localhost");
  return coalesceWrites(
    new Redis({
      ...options,
      name: s.REDIS_SENTINEL_NAME,
      sentinels: s.REDIS_SENTINELS.split(",").map((hp) => {
        const [host, port] = hp.split(":");
        return { host: host ?? "", port: Number(port) };
      }),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.protocol === "rediss:" ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      db: Number(url.pathname.slice(1) || "0"),
    }),
  );
}

/**
 * Commands sent in the same turn of the event loop leave in one write to the socket.
 *
 * Every write to Redis's socket is a system call, and those were the largest single cost of an
 * update in `npm run bench` (a fifth of the bot's thread). On a busy bot many chats send a
 * command in the same turn: Redis answers several at once, and each chat's next step asks Redis
 * again. Node's `cork()` is made for this ("several small chunks written in rapid succession"):
 * the first command of a turn corks the socket, and once the turn's callbacks have run it is
 * uncorked, so what was written meanwhile goes out in one `writev`. Nothing waits for a timer,
 * and nothing is allocated per batch: ioredis's own auto-pipelining, which batches the same way
 * with a Pipeline object per batch, lifted the p99 through garbage collection (see app.ts).
 * Order is kept (a corked socket sends its chunks in order); a new socket after a reconnect is
 * corked the same way, and commands waiting for a connection are left to ioredis.
 */
export function coalesceWrites(redis: Redis): Redis {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    const socket = redis.stream;
    if (!stream && socket && redis.status === "ready" && !socket.writableCorked) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    return send(command, stream);
  };
  return redis;
}
