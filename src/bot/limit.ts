/**
 * The per-chat update limit: @grammyjs/ratelimiter, with its counter kept in the person's session.
 *
 * Why in the session: the limiter's own Redis store costs one more Redis command on every update
 * (an INCR, beside the session's GET and SET), a third of all Redis traffic. The session is
 * already a per-chat record in Redis, read and written on every update under the chat's HMAC, so
 * the count rides along for nothing, and every instance still sees the same count (one chat's
 * updates are handled one at a time: `sequentialize` in a process, turns across processes). The
 * count is a number and a time, nothing about the person; it goes when the session goes.
 * The price: an update over the limit now costs the session's read and write (one INCR before),
 * still far less than handling it, and nothing is sent for it but the one notice per window.
 *
 * The library calls `keyGenerator(ctx)` and then, in the same tick, `storageClient.incr(key)`;
 * the key (the chat id, which is never stored: it only finds that update's session in this
 * process) is how `incr` finds the session.
 */
import { limit } from "@grammyjs/ratelimiter";
import type { Middleware } from "grammy";
import type { QadamContext, SessionData } from "./context.js";
import { tr } from "./text.js";

/** The count kept in `SessionData.rate`: [end of the current window in ms since the epoch, updates in it]. */
export type RateWindow = [number, number];

/** The part of a Redis client the limiter calls (the library does not export its type). */
interface Counter {
  incr(key: string): Promise<number>;
  pexpire(key: string, milliseconds: number): Promise<number>;
}

export function updateLimit(o: { perWindow: number; windowMs: number; now: () => number }): Middleware<QadamContext> {
  const waiting = new Map<string, SessionData>();
  const counter: Counter = {
    async incr(key) {
      const session = waiting.get(key);
      waiting.delete(key);
      if (!session) return 1;
      const now = o.now();
      const rate = session.rate;
      session.rate = rate && rate[0] > now ? [rate[0], rate[1] + 1] : [now + o.windowMs, 1];
      return session.rate[1];
    },
    // The window's end is set by `incr` when a window starts.
    async pexpire() {
      return 1;
    },
  };
  return limit<QadamContext, Counter>({
    timeFrame: o.windowMs,
    limit: o.perWindow,
    storageClient: counter,
    keyPrefix: "",
    keyGenerator: (ctx) => {
      if (ctx.chat?.type !== "private") return undefined;
      const key = String(ctx.chat.id);
      waiting.set(key, ctx.session);
      return key;
    },
    // Once per window: the person is told in their own language, and nothing else is done.
    onLimitExceeded: async (ctx) => {
      if (ctx.chat === undefined) return;
      await ctx.api.sendMessage(ctx.chat.id, tr(ctx, "common:errors.slow_down")).catch(() => {});
    },
  });
}
