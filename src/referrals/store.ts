/**
 * What the server keeps about a referral: its status and triage metadata (categories only, no
 * content), the sealed envelope (ciphertext only, for delivery retries and grants), which person's
 * account made it (by the same HMAC id as the session, so /status works without the code), and,
 * only if the person agreed to be written to through Qadam, their chat id, encrypted like the
 * session. Everything expires after REFERRAL_TTL_DAYS.
 *
 * Redis keys:
 * - `qadam:r:<code>`  hash: status, country, language, needs, urgency, reasons, partners, assigned,
 *   reason (of a decline or a close), card (the staff chat's message id), created, updated,
 *   touched, reminded, relay, relayed (count), relayedAt, lawyer (who wrote last)
 * - `qadam:cases`     sorted set of codes by creation time (the staff's queue)
 * - `qadam:e:<code>`  the envelope (JSON, ciphertext)
 * - `qadam:o:<owner>` set of the codes an account made
 * - `qadam:c:<code>`  the person's chat id, encrypted (only with their consent to a relay)
 * - `qadam:sent:<code>:<recipient>` set once a delivery succeeded (so a retry never sends twice);
 *   `<recipient>+<key id>` for a grant attached later
 * - `qadam:pending:<code>:<recipient>` set just before a send, taken back when the send is known
 *   not to have arrived: one found still set means a send whose outcome is unknown
 */
import type { Redis } from "ioredis";

export const STATUSES = ["received", "in_review", "assigned", "accepted", "declined", "closed"] as const;
export type Status = (typeof STATUSES)[number];

/** What the staff know of a case, and where it stands. Nothing that identifies the person. */
export interface ReferralRecord {
  code: string;
  status: Status;
  country: string;
  /** The person's language. */
  language: string;
  /** Areas of need the person chose. */
  needs: string[];
  urgency: "high" | "normal";
  /** Why (urgency rule ids; "staff" when a staff member marked it urgent). */
  reasons: string[];
  /** The partners the referral was sealed to at first. */
  partners: string[];
  /** The partner working on it. */
  assigned?: string;
  /** Why it was declined or closed (a reason id). */
  reason?: string;
  /** The message id of its card in the staff chat, edited as the case moves. */
  card?: number;
  created: string;
  updated: string;
  /** The last time staff or a lawyer acted on it (reminders count from here). */
  touched: string;
  /** When staff were last reminded of it. */
  reminded?: string;
  /** The person agreed that a lawyer may write to them here, and to short notices when the case moves. */
  relay: boolean;
  /** Messages relayed, both ways: counts and times only, never their text. */
  relayed: number;
  relayedAt?: string;
  /** The Telegram id of the lawyer who wrote to the person last: the person's answers go to them only. */
  lawyer?: number;
}

export type RecordPatch = Partial<Omit<ReferralRecord, "code" | "created">>;

export interface ReferralStore {
  create(rec: ReferralRecord, envelope: string, owner: string): Promise<void>;
  get(code: string): Promise<ReferralRecord | undefined>;
  /** Changes a stored record; false if it is gone (expired). */
  update(code: string, patch: RecordPatch): Promise<boolean>;
  setStatus(code: string, status: Status, at: string): Promise<boolean>;
  /** Every case still kept, oldest first. */
  all(): Promise<ReferralRecord[]>;
  byOwner(owner: string): Promise<ReferralRecord[]>;
  /** Forget which referrals an account made, and how to reach its person (the referrals stay with their recipients). */
  forgetOwner(owner: string): Promise<void>;
  envelope(code: string): Promise<string | undefined>;
  putEnvelope(code: string, envelope: string): Promise<void>;
  /** Marks a delivery done; false if it was already marked. */
  markSent(code: string, recipient: string): Promise<boolean>;
  /** Marks a delivery begun, before its send; false if one was begun before and never finished. */
  begin(code: string, recipient: string): Promise<boolean>;
  /** Takes the "begun" mark back: the send is known not to have arrived (Telegram refused it, or it never left). */
  unbegin(code: string, recipient: string): Promise<void>;
  wasSent(code: string, recipient: string): Promise<boolean>;
  /** The person's chat id, already encrypted by the caller; kept as long as the referral. */
  setContact(code: string, sealed: string): Promise<void>;
  contact(code: string): Promise<string | undefined>;
  /** Counts one more event under `key` in a window of `seconds` (for limits); returns the count so far. */
  hit(key: string, seconds: number): Promise<number>;
  /**
   * Before a "Send", in one round trip: whether `code` is stored already (a second press after a
   * failure, which counts against no limit); if not, one more event under each limit in turn (as
   * `hit`), stopping after the first that goes over its `max`.
   */
  admit(code: string | undefined, limits: readonly Limit[]): Promise<Admission>;
}

/** A count in a window (see `hit`), and the most it may reach. */
export interface Limit {
  key: string;
  seconds: number;
  max: number;
}

/** What `admit` found: a case already stored, or the counts of the limits it counted (in order). */
export interface Admission {
  stored: boolean;
  counts: number[];
}

/** Record ↔ Redis hash fields (all strings). */
function toHash(r: RecordPatch): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

function fromHash(code: string, h: Record<string, string>): ReferralRecord | undefined {
  if (!h["status"]) return undefined;
  const list = (k: string) => (h[k] ? (h[k] ?? "").split(",") : []);
  const num = (k: string) => (h[k] ? Number(h[k]) : undefined);
  const card = num("card");
  const lawyer = num("lawyer");
  return {
    code,
    status: h["status"] as Status,
    country: h["country"] ?? "",
    language: h["language"] ?? "",
    needs: list("needs"),
    urgency: h["urgency"] === "high" ? "high" : "normal",
    reasons: list("reasons"),
    partners: list("partners"),
    ...(h["assigned"] ? { assigned: h["assigned"] } : {}),
    ...(h["reason"] ? { reason: h["reason"] } : {}),
    ...(card !== undefined ? { card } : {}),
    created: h["created"] ?? "",
    updated: h["updated"] ?? "",
    touched: h["touched"] ?? h["updated"] ?? "",
    ...(h["reminded"] ? { reminded: h["reminded"] } : {}),
    relay: h["relay"] === "true",
    relayed: num("relayed") ?? 0,
    ...(h["relayedAt"] ? { relayedAt: h["relayedAt"] } : {}),
    ...(lawyer !== undefined ? { lawyer } : {}),
  };
}

/** A count in a window: the first event opens the window (its expiry), later ones only count. */
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;
/**
 * A new case, all at once (as MULTI did, in one command instead of nine): its record, its place
 * in the list of cases, its envelope, and its owner's list, each with the referrals' expiry.
 * KEYS: record, cases, envelope, owner; ARGV: seconds, code, created (ms), envelope, field, value…
 */
const CREATE = `local ttl = ARGV[1]
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[3], ARGV[4], 'EX', ttl)
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('EXPIRE', KEYS[4], ttl)
return 1`;
/**
 * `admit`: KEYS: the record, then a key per limit; ARGV: a (seconds, max) pair per limit. Returns
 * {1} for a stored case, else {0, count…}: each limit counted as HIT does, the last one over.
 */
const ADMIT = `if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
local out = {0}
for i = 2, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * i - 3]) end
  out[i] = n
  if n > tonumber(ARGV[2 * i - 2]) then break end
end
return out`;
type ScriptedRedis = Redis & {
  qadamHit(key: string, seconds: number): Promise<number>;
  qadamAdmit(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  qadamCreate(...keysThenArgs: (string | number)[]): Promise<number>;
};

export class RedisReferralStore implements ReferralStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {
    if (!("qadamHit" in redis)) redis.defineCommand("qadamHit", { numberOfKeys: 1, lua: HIT });
    if (!("qadamAdmit" in redis)) redis.defineCommand("qadamAdmit", { lua: ADMIT });
    if (!("qadamCreate" in redis)) redis.defineCommand("qadamCreate", { numberOfKeys: 4, lua: CREATE });
  }

  async create(rec: ReferralRecord, envelope: string, owner: string): Promise<void> {
    const { code, ...rest } = rec;
    await (this.redis as ScriptedRedis).qadamCreate(
      `qadam:r:${code}`,
      "qadam:cases",
      `qadam:e:${code}`,
      `qadam:o:${owner}`,
      this.ttlSeconds,
      code,
      String(Date.parse(rec.created) || 0),
      envelope,
      ...Object.entries(toHash(rest)).flat(),
    );
  }

  async get(code: string): Promise<ReferralRecord | undefined> {
    return fromHash(code, await this.redis.hgetall(`qadam:r:${code}`));
  }

  async update(code: string, patch: RecordPatch): Promise<boolean> {
    const fields = Object.entries(toHash(patch)).flat();
    if (fields.length === 0) return (await this.redis.exists(`qadam:r:${code}`)) === 1;
    // One step, so a record that expires in between is not brought back without an expiry.
    const done = await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], unpack(ARGV)) return 1 end return 0",
      1,
      `qadam:r:${code}`,
      ...fields,
    );
    return done === 1;
  }

  setStatus(code: string, status: Status, at: string): Promise<boolean> {
    return this.update(code, { status, updated: at });
  }

  async all(): Promise<ReferralRecord[]> {
    const codes = await this.redis.zrange("qadam:cases", "0", "-1");
    const recs = await Promise.all(codes.map((c) => this.get(c)));
    const gone = codes.filter((_, i) => !recs[i]);
    if (gone.length) await this.redis.zrem("qadam:cases", ...gone);
    return recs.filter((r): r is ReferralRecord => r !== undefined);
  }

  async byOwner(owner: string): Promise<ReferralRecord[]> {
    const codes = await this.redis.smembers(`qadam:o:${owner}`);
    const recs = await Promise.all(codes.map((c) => this.get(c)));
    return recs.filter((r): r is ReferralRecord => r !== undefined).sort((a, b) => a.created.localeCompare(b.created));
  }

  async forgetOwner(owner: string): Promise<void> {
    const codes = await this.redis.smembers(`qadam:o:${owner}`);
    await this.redis.del(`qadam:o:${owner}`, ...codes.map((c) => `qadam:c:${c}`));
    for (const c of codes) await this.update(c, { relay: false });
  }

  envelope(code: string): Promise<string | undefined> {
    return this.redis.get(`qadam:e:${code}`).then((v) => v ?? undefined);
  }

  async putEnvelope(code: string, envelope: string): Promise<void> {
    // Only over the envelope that is there (XX), keeping its expiry.
    await this.redis.call("SET", `qadam:e:${code}`, envelope, "XX", "KEEPTTL");
  }

  async markSent(code: string, recipient: string): Promise<boolean> {
    const [[, ok] = [null, null]] =
      (await this.redis
        .multi()
        .set(`qadam:sent:${code}:${recipient}`, "1", "EX", this.ttlSeconds, "NX")
        .del(`qadam:pending:${code}:${recipient}`)
        .exec()) ?? [];
    return ok === "OK";
  }

  async begin(code: string, recipient: string): Promise<boolean> {
    return (await this.redis.set(`qadam:pending:${code}:${recipient}`, "1", "EX", this.ttlSeconds, "NX")) === "OK";
  }

  async unbegin(code: string, recipient: string): Promise<void> {
    await this.redis.del(`qadam:pending:${code}:${recipient}`);
  }

  async wasSent(code: string, recipient: string): Promise<boolean> {
    return (await this.redis.exists(`qadam:sent:${code}:${recipient}`)) === 1;
  }

  async setContact(code: string, sealed: string): Promise<void> {
    await this.redis.set(`qadam:c:${code}`, sealed, "EX", this.ttlSeconds);
  }

  contact(code: string): Promise<string | undefined> {
    return this.redis.get(`qadam:c:${code}`).then((v) => v ?? undefined);
  }

  async hit(key: string, seconds: number): Promise<number> {
    // One command, not MULTI, INCR, EXPIRE, EXEC: a "Send" asks two of these.
    return Number(await (this.redis as ScriptedRedis).qadamHit(`qadam:lim:${key}`, seconds));
  }

  async admit(code: string | undefined, limits: readonly Limit[]): Promise<Admission> {
    // A record key no case can have stands in when there is no code yet ("qadam:r:" alone).
    const keys = [`qadam:r:${code ?? ""}`, ...limits.map((l) => `qadam:lim:${l.key}`)];
    const out = await (this.redis as ScriptedRedis).qadamAdmit(keys.length, ...keys, ...limits.flatMap((l) => [l.seconds, l.max]));
    return { stored: out[0] === 1, counts: out.slice(1).map(Number) };
  }
}

/** The same, in memory: for the local chat, where nothing outlives the process anyway. */
export class MemoryReferralStore implements ReferralStore {
  private readonly recs = new Map<string, ReferralRecord>();
  private readonly envelopes = new Map<string, string>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly sent = new Set<string>();
  private readonly contacts = new Map<string, string>();

  async create(rec: ReferralRecord, envelope: string, owner: string): Promise<void> {
    this.recs.set(rec.code, { ...rec });
    this.envelopes.set(rec.code, envelope);
    this.owners.set(owner, new Set([...(this.owners.get(owner) ?? []), rec.code]));
  }
  async get(code: string) {
    const r = this.recs.get(code);
    return r ? { ...r } : undefined;
  }
  async update(code: string, patch: RecordPatch) {
    const r = this.recs.get(code);
    if (!r) return false;
    Object.assign(r, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    return true;
  }
  async setStatus(code: string, status: Status, at: string) {
    return this.update(code, { status, updated: at });
  }
  async all() {
    return [...this.recs.values()].map((r) => ({ ...r })).sort((a, b) => a.created.localeCompare(b.created));
  }
  async byOwner(owner: string) {
    return [...(this.owners.get(owner) ?? [])].flatMap((c) => {
      const r = this.recs.get(c);
      return r ? [{ ...r }] : [];
    });
  }
  async forgetOwner(owner: string) {
    for (const c of this.owners.get(owner) ?? []) {
      this.contacts.delete(c);
      await this.update(c, { relay: false });
    }
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
    this.pending.delete(k);
    if (this.sent.has(k)) return false;
    this.sent.add(k);
    return true;
  }
  private readonly pending = new Set<string>();
  async begin(code: string, recipient: string) {
    const k = `${code}:${recipient}`;
    if (this.pending.has(k)) return false;
    this.pending.add(k);
    return true;
  }
  async unbegin(code: string, recipient: string) {
    this.pending.delete(`${code}:${recipient}`);
  }
  async wasSent(code: string, recipient: string) {
    return this.sent.has(`${code}:${recipient}`);
  }
  async setContact(code: string, sealed: string) {
    this.contacts.set(code, sealed);
  }
  async contact(code: string) {
    return this.contacts.get(code);
  }
  private readonly hits = new Map<string, { n: number; until: number }>();
  async hit(key: string, seconds: number) {
    const now = Date.now();
    const h = this.hits.get(key);
    const next = h && h.until > now ? { n: h.n + 1, until: h.until } : { n: 1, until: now + seconds * 1000 };
    this.hits.set(key, next);
    return next.n;
  }
  async admit(code: string | undefined, limits: readonly Limit[]): Promise<Admission> {
    if (code !== undefined && this.recs.has(code)) return { stored: true, counts: [] };
    const counts: number[] = [];
    for (const l of limits) {
      counts.push(await this.hit(l.key, l.seconds));
      if ((counts.at(-1) as number) > l.max) break;
    }
    return { stored: false, counts };
  }
}
