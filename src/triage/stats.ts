/**
 * Figures for reports, from triage metadata only: referrals by quarter, country and area of need,
 * and cases by status. Every count under 5 is shown as "<5", so no person can be singled out.
 * Counters expire with the last referral's lifetime; statuses are read from the cases kept.
 */
import type { Redis } from "ioredis";

export const STATS_KEY = "qadam:stats";
/** Counts below this are never shown as numbers. */
export const SMALL = 5;

/** "2026-Q4" for an ISO date. */
export const quarterOf = (iso: string): string => `${iso.slice(0, 4)}-Q${Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1}`;

/** The counter fields one new referral adds to: one per area of need ("none" if it named none). */
export const fieldsFor = (created: string, country: string, needs: readonly string[]): string[] =>
  (needs.length ? needs : ["none"]).map((n) => `${quarterOf(created)}|${country || "other"}|${n}`);

export interface StatsStore {
  count(created: string, country: string, needs: readonly string[]): Promise<void>;
  counts(): Promise<Record<string, number>>;
}

/** HINCRBY 1 for each field (ARGV[2]…), then the key's expiry (ARGV[1] seconds; 0: none), atomically. */
const COUNT = `for i = 2, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
if tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1`;
type CountingRedis = Redis & { qadamCount(key: string, seconds: number, ...fields: string[]): Promise<number> };

export class RedisStats implements StatsStore {
  /** The counters expire `keepSeconds` after the last referral (they hold no person, but nothing of Qadam's outlives its referrals). */
  constructor(
    private readonly redis: Redis,
    private readonly keepSeconds = 0,
  ) {
    if (!("qadamCount" in redis)) redis.defineCommand("qadamCount", { numberOfKeys: 1, lua: COUNT });
  }
  async count(created: string, country: string, needs: readonly string[]) {
    // Referrals in total count once per referral; needs once per area. One command (a script),
    // not a transaction of one HINCRBY per area: a "Send" with every area named was 12 commands.
    await (this.redis as CountingRedis).qadamCount(
      STATS_KEY,
      this.keepSeconds,
      `${quarterOf(created)}|${country || "other"}|*`,
      ...fieldsFor(created, country, needs),
    );
  }
  async counts() {
    const h = await this.redis.hgetall(STATS_KEY);
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }
}

export class MemoryStats implements StatsStore {
  private readonly c: Record<string, number> = {};
  async count(created: string, country: string, needs: readonly string[]) {
    for (const f of [`${quarterOf(created)}|${country || "other"}|*`, ...fieldsFor(created, country, needs)])
      this.c[f] = (this.c[f] ?? 0) + 1;
  }
  async counts() {
    return { ...this.c };
  }
}

/** A count as it may be shown. */
export const shown = (n: number): string => (n < SMALL ? `<${SMALL}` : String(n));

export interface StatsTable {
  /** Rows: quarter, country, area ("*" = all referrals), count as shown. */
  rows: { quarter: string; country: string; need: string; count: string }[];
  /** Cases kept now, by status, counts as shown. */
  statuses: { status: string; count: string }[];
}

export function statsTable(counts: Record<string, number>, statuses: Record<string, number>): StatsTable {
  const rows = Object.entries(counts)
    .map(([k, n]) => {
      const [quarter = "", country = "", need = ""] = k.split("|");
      return { quarter, country, need, count: shown(n) };
    })
    .sort((a, b) =>
      `${a.quarter}|${a.country}|${a.need === "*" ? "" : a.need}`.localeCompare(
        `${b.quarter}|${b.country}|${b.need === "*" ? "" : b.need}`,
      ),
    );
  return { rows, statuses: Object.entries(statuses).map(([status, n]) => ({ status, count: shown(n) })) };
}

/** The table as CSV (quarter,country,need,count; then status,count). */
export function statsCsv(t: StatsTable): string {
  return [
    "quarter,country,need,referrals",
    ...t.rows.map((r) => `${r.quarter},${r.country},${r.need === "*" ? "all" : r.need},${r.count}`),
    "",
    "status,cases",
    ...t.statuses.map((s) => `${s.status},${s.count}`),
  ].join("\n");
}
