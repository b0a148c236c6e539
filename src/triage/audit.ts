/**
 * The audit stream: every staff and lawyer action, and every refused attempt, appended to a Redis
 * stream (who, their role, what, which case, when). Never content: no note, no relayed text, no
 * answer. Read by admins with /audit and exported with `npm run audit:export`.
 */
import type { Redis } from "ioredis";

export interface AuditEntry {
  /** `staff:<telegram id>`, `partner:<id>` (a lawyer, by partner), or `unknown:<hmac>` for a refused attempt. */
  who: string;
  role: "triage" | "admin" | "lawyer" | "unknown" | "person";
  /** What was done, e.g. `assign`, `close`, `relay_out`, `denied:/queue`. */
  action: string;
  code?: string;
  /** Where to (a partner id), or why (a reason id): never free text. */
  detail?: string;
  at: string;
}

export interface Audit {
  add(e: AuditEntry): Promise<void>;
  /** The latest entries, newest last. */
  recent(count: number): Promise<AuditEntry[]>;
  /** Every entry, oldest first. */
  all(): Promise<AuditEntry[]>;
}

export const AUDIT_STREAM = "qadam:audit";

const fromFields = (fields: string[]): AuditEntry => {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i] ?? ""] = fields[i + 1] ?? "";
  return {
    who: o["who"] ?? "",
    role: (o["role"] ?? "unknown") as AuditEntry["role"],
    action: o["action"] ?? "",
    ...(o["code"] ? { code: o["code"] } : {}),
    ...(o["detail"] ? { detail: o["detail"] } : {}),
    at: o["at"] ?? "",
  };
};

/** Append-only: entries are never changed; the stream is capped at about `max` entries. */
export class RedisAudit implements Audit {
  /** Entries older than `keepSeconds` (the referrals' lifetime) are trimmed, and the stream expires with the last. */
  constructor(
    private readonly redis: Redis,
    private readonly keepSeconds: number,
  ) {}

  async add(e: AuditEntry): Promise<void> {
    const fields = Object.entries(e).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    const oldest = Date.parse(e.at) - this.keepSeconds * 1000;
    await this.redis
      .multi()
      .xadd(AUDIT_STREAM, "MINID", "~", String(Math.max(0, oldest)), "*", ...fields)
      .expire(AUDIT_STREAM, this.keepSeconds)
      .exec();
  }

  async recent(count: number): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(AUDIT_STREAM, "+", "-", "COUNT", count);
    return rows.map(([, f]) => fromFields(f)).reverse();
  }

  async all(): Promise<AuditEntry[]> {
    const rows = await this.redis.xrange(AUDIT_STREAM, "-", "+");
    return rows.map(([, f]) => fromFields(f));
  }
}

/** In memory, for the local chat. */
export class MemoryAudit implements Audit {
  private readonly entries: AuditEntry[] = [];
  async add(e: AuditEntry) {
    this.entries.push({ ...e });
  }
  async recent(count: number) {
    return this.entries.slice(-count);
  }
  async all() {
    return [...this.entries];
  }
}
