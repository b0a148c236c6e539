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
  if (!s.REDIS_SENTINELS || !s.REDIS_SENTINEL_NAME) return new Redis(s.REDIS_URL ?? "", options);
  const url = new URL(s.REDIS_URL ?? "redis://localhost");
  return new Redis({
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
  });
}
