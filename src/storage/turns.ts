/**
 * Several instances of Qadam behind one webhook address, sharing one Redis. grammY's
 * `sequentialize` orders a chat's updates inside one process only; across processes this does:
 *
 * - **Once**: an update id is claimed with `SET NX` (kept 24 h, as long as Telegram keeps an
 *   update). Telegram sends an update again when its webhook request timed out (grammY answers
 *   after 10 s), so a retry that reaches another instance is dropped there, not handled twice.
 * - **One at a time, in order**: a chat has a lock, and a queue of the update ids waiting for it.
 *   An update is handled when it holds the lock and no earlier update of the chat is waiting. So
 *   when a slow update outlives Telegram's timeout and the chat's next update reaches another
 *   instance, that one waits, and the answers are applied in the order the person gave them.
 *
 * Why a lock of our own (ten lines of Lua) and not Redlock or a library: one Redis, not several
 * masters, so Redlock's quorum buys nothing; what is needed beyond a lock is the order among the
 * waiters, which no lock library keeps. A waiter that dies stops renewing its place and is
 * dropped after `placeMs`; a holder that dies loses the lock after `lockMs`, so a chat is never
 * stuck for longer than that.
 *
 * Key names carry the chat's storage id (an HMAC), never the chat id. Single instance on long
 * polling needs none of this (the runner's sequentialize does it) and it is off there.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

const PREFIX = "qadam:turn:";

/** Takes the lock when `id` is the earliest live waiter; renews the waiter's place either way. */
const TAKE = `
local q, places, lock = KEYS[1], KEYS[2], KEYS[3]
local id, token, lockMs, placeMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', q, id, id)
redis.call('HSET', places, id, now + placeMs)
redis.call('PEXPIRE', q, lockMs + placeMs)
redis.call('PEXPIRE', places, lockMs + placeMs)
while true do
  local first = redis.call('ZRANGE', q, 0, 0)[1]
  if first == id then break end
  local until_ = tonumber(redis.call('HGET', places, first) or '0')
  if until_ >= now then return 0 end
  redis.call('ZREM', q, first)
  redis.call('HDEL', places, first)
end
if redis.call('SET', lock, token, 'NX', 'PX', lockMs) then return 1 end
return 0`;

/** Leaves the queue and gives the lock back if it is still ours. */
const GIVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1`;

type TurnRedis = Redis & {
  qadamTake(q: string, places: string, lock: string, id: string, token: string, lockMs: number, placeMs: number): Promise<number>;
  qadamGive(q: string, places: string, lock: string, id: string, token: string): Promise<number>;
};

export interface TurnOptions {
  /** How long a holder keeps the lock without finishing (a crashed instance frees the chat after it). */
  lockMs?: number;
  /** How long a waiter keeps its place without asking again. */
  placeMs?: number;
  /** Between two asks for the lock. */
  pollMs?: number;
  /** How long an update waits for its turn before it is refused (Telegram then sends it again). */
  waitMs?: number;
}

export class ChatTurns {
  private readonly redis: TurnRedis;
  private readonly o: Required<TurnOptions>;

  constructor(redis: Redis, o: TurnOptions = {}) {
    this.o = { lockMs: 30_000, placeMs: 2_000, pollMs: 5, waitMs: 60_000, ...o };
    if (!("qadamTake" in redis)) {
      redis.defineCommand("qadamTake", { numberOfKeys: 3, lua: TAKE });
      redis.defineCommand("qadamGive", { numberOfKeys: 3, lua: GIVE });
    }
    this.redis = redis as TurnRedis;
  }

  /** True the first time an update id is seen (by any instance); false for a repeat. */
  async claim(updateId: number): Promise<boolean> {
    return (await this.redis.set(`${PREFIX}u:${updateId}`, "1", "EX", 86_400, "NX")) === "OK";
  }

  /** Forgets a claim, so Telegram's next try of an update that could not be handled is handled. */
  async unclaim(updateId: number): Promise<void> {
    await this.redis.del(`${PREFIX}u:${updateId}`);
  }

  /** Runs `fn` when it is this update's turn in its chat. */
  async inTurn<T>(chatKey: string, updateId: number, fn: () => Promise<T>): Promise<T> {
    const keys = [`${PREFIX}q:${chatKey}`, `${PREFIX}p:${chatKey}`, `${PREFIX}l:${chatKey}`] as const;
    const id = String(updateId);
    const token = randomBytes(9).toString("base64url");
    const until = Date.now() + this.o.waitMs;
    let pause = this.o.pollMs;
    while ((await this.redis.qadamTake(...keys, id, token, this.o.lockMs, this.o.placeMs)) !== 1) {
      if (Date.now() > until) {
        await this.redis.qadamGive(...keys, id, token).catch(() => {});
        throw new Error("an earlier update of this chat is still being handled");
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, this.o.placeMs / 4);
    }
    // A handler slower than the lock keeps it: renewed while it runs.
    const renew = setInterval(() => void this.redis.pexpire(keys[2], this.o.lockMs).catch(() => {}), Math.max(1000, this.o.lockMs / 3));
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.redis.qadamGive(...keys, id, token).catch(() => {});
    }
  }
}
