/**
 * What the server keeps about a referral: its status (no content), the sealed envelope (ciphertext
 * only, for delivery retries and grants), and which person's account made it (by the same HMAC id
 * as the session, so /status works without the code). Everything expires after REFERRAL_TTL_DAYS.
 *
 * Redis keys:
 * - `qadam:r:<code>`  hash {status, country, created, updated}
 * - `qadam:e:<code>`  the envelope (JSON, ciphertext)
 * - `qadam:o:<owner>` set of the codes an account made
 * - `qadam:sent:<code>:<recipient>` set once a delivery succeeded (so a retry never sends twice);
 *   `<recipient>+<key id>` for a grant attached later
 */
import type { Redis } from "ioredis";

export const STATUSES = ["received", "in_review", "assigned", "accepted", "closed"] as const;
export type Status = (typeof STATUSES)[number];

export interface ReferralRecord {
  code: string;
  status: Status;
  country: string;
  created: string;
  updated: string;
}

export interface ReferralStore {
  create(rec: ReferralRecord, envelope: string, owner: string): Promise<void>;
  get(code: string): Promise<ReferralRecord | undefined>;
  setStatus(code: string, status: Status, at: string): Promise<boolean>;
  byOwner(owner: string): Promise<ReferralRecord[]>;
  /** Forget which referrals an account made (the referrals themselves stay with their recipients). */
  forgetOwner(owner: string): Promise<void>;
  envelope(code: string): Promise<string | undefined>;
  putEnvelope(code: string, envelope: string): Promise<void>;
  /** Marks a delivery done; false if it was already marked. */
  markSent(code: string, recipient: string): Promise<boolean>;
  wasSent(code: string, recipient: string): Promise<boolean>;
}

export class RedisReferralStore implements ReferralStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async create(rec: ReferralRecord, envelope: string, owner: string): Promise<void> {
    await this.redis
      .multi()
      .hset(`qadam:r:${rec.code}`, { status: rec.status, country: rec.country, created: rec.created, updated: rec.updated })
      .expire(`qadam:r:${rec.code}`, this.ttlSeconds)
      .set(`qadam:e:${rec.code}`, envelope, "EX", this.ttlSeconds)
      .sadd(`qadam:o:${owner}`, rec.code)
      .expire(`qadam:o:${owner}`, this.ttlSeconds)
      .exec();
  }

  async get(code: string): Promise<ReferralRecord | undefined> {
    const h = await this.redis.hgetall(`qadam:r:${code}`);
    if (!h["status"]) return undefined;
    return { code, status: h["status"] as Status, country: h["country"] ?? "", created: h["created"] ?? "", updated: h["updated"] ?? "" };
  }

  async setStatus(code: string, status: Status, at: string): Promise<boolean> {
    // One step, so a record that expires in between is not brought back without an expiry.
    const done = await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated', ARGV[2]) return 1 end return 0",
      1,
      `qadam:r:${code}`,
      status,
      at,
    );
    return done === 1;
  }

  async byOwner(owner: string): Promise<ReferralRecord[]> {
    const codes = await this.redis.smembers(`qadam:o:${owner}`);
    const recs = await Promise.all(codes.map((c) => this.get(c)));
    return recs.filter((r): r is ReferralRecord => r !== undefined).sort((a, b) => a.created.localeCompare(b.created));
  }

  async forgetOwner(owner: string): Promise<void> {
    await this.redis.del(`qadam:o:${owner}`);
  }

  envelope(code: string): Promise<string | undefined> {
    return this.redis.get(`qadam:e:${code}`).then((v) => v ?? undefined);
  }

  async putEnvelope(code: string, envelope: string): Promise<void> {
    // Only over the envelope that is there (XX), keeping its expiry.
    await this.redis.call("SET", `qadam:e:${code}`, envelope, "XX", "KEEPTTL");
  }

  async markSent(code: string, recipient: string): Promise<boolean> {
    return (await this.redis.set(`qadam:sent:${code}:${recipient}`, "1", "EX", this.ttlSeconds, "NX")) === "OK";
  }

  async wasSent(code: string, recipient: string): Promise<boolean> {
    return (await this.redis.exists(`qadam:sent:${code}:${recipient}`)) === 1;
  }
}

/** The same, in memory: for the local chat, where nothing outlives the process anyway. */
export class MemoryReferralStore implements ReferralStore {
  private readonly recs = new Map<string, ReferralRecord>();
  private readonly envelopes = new Map<string, string>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly sent = new Set<string>();

  async create(rec: ReferralRecord, envelope: string, owner: string): Promise<void> {
    this.recs.set(rec.code, { ...rec });
    this.envelopes.set(rec.code, envelope);
    this.owners.set(owner, new Set([...(this.owners.get(owner) ?? []), rec.code]));
  }
  async get(code: string) {
    const r = this.recs.get(code);
    return r ? { ...r } : undefined;
  }
  async setStatus(code: string, status: Status, at: string) {
    const r = this.recs.get(code);
    if (!r) return false;
    Object.assign(r, { status, updated: at });
    return true;
  }
  async byOwner(owner: string) {
    return [...(this.owners.get(owner) ?? [])].flatMap((c) => {
      const r = this.recs.get(c);
      return r ? [{ ...r }] : [];
    });
  }
  async forgetOwner(owner: string) {
    this.owners.delete(owner);
  }
  async envelope(code: string) {
    return this.envelopes.get(code);
  }
  async putEnvelope(code: string, envelope: string) {
    this.envelopes.set(code, envelope);
  }
  async markSent(code: string, recipient: string) {
    const k = `${code}:${recipient}`;
    if (this.sent.has(k)) return false;
    this.sent.add(k);
    return true;
  }
  async wasSent(code: string, recipient: string) {
    return this.sent.has(`${code}:${recipient}`);
  }
}
