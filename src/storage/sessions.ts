/**
 * The session store: Redis (through @grammyjs/storage-redis) when REDIS_URL is set, memory for
 * the local chat; always encrypted, always versioned through grammY's enhanceStorage so the
 * session's shape can change with a migration instead of wiping interviews in progress.
 */
import { RedisAdapter } from "@grammyjs/storage-redis";
import { enhanceStorage, MemorySessionStorage, type StorageAdapter } from "grammy";
import type { Redis } from "ioredis";
import { EncryptedStorage, type Keyring } from "./cipher.js";

/**
 * Migrations of the stored session shape, by integer version (grammY runs parseInt on the keys,
 * so 1.5 would be skipped silently). Version 1 is the first shape: `{ lang?, interview?, ui? }`.
 */
const migrations = {
  1: (old: unknown) => old,
};

export interface SessionStoreOptions {
  keyring: Keyring;
  ttlSeconds: number;
  /** Redis client; without it sessions live in memory (the local chat). */
  redis?: Redis;
  onUnreadable?: (storageKey: string, why: Error) => void;
}

export function createSessionStore<T>(opts: SessionStoreOptions): StorageAdapter<T> {
  const inner: StorageAdapter<string> = opts.redis
    ? new RedisAdapter<string>({ instance: opts.redis, ttl: opts.ttlSeconds })
    : new MemorySessionStorage<string>(opts.ttlSeconds * 1000);
  return enhanceStorage<T>({
    storage: new EncryptedStorage(inner, opts.keyring, opts.onUnreadable),
    migrations,
  });
}
