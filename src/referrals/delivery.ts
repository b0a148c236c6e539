/**
 * Delivering sealed referrals to their recipients. Only envelopes (ciphertext) and ids travel:
 * a job is `{ code, recipient }`, and the worker reads the envelope from the referral store.
 *
 * With Redis, a durable BullMQ queue: a deterministic job id per (referral, recipient), so adding
 * the same delivery twice does nothing; retries with exponential backoff on Telegram 5xx and
 * network errors, and after Telegram's `retry_after` on 429; a "sent" marker so a retry after a
 * success never sends twice; after the last attempt, the triage desk is told. A worker stopped
 * in the middle picks the job up again when it starts.
 *
 * Without Redis (the local chat), the same delivery runs at once, in process.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Job, Queue, Worker } from "bullmq";
import { type Api, GrammyError, HttpError, InputFile } from "grammy";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { DeliveryOutcome } from "../ops/metrics.js";
import { coalesceWrites } from "../storage/redis.js";
import type { Directory, Partner, Transport } from "./partners.js";
import type { ReferralStore } from "./store.js";

export const QUEUE = "qadam-referrals";
export const ATTEMPTS = 6;

/**
 * BullMQ is loaded when the queue or its worker is first needed, not with the rest: loading it
 * took 0.2–0.3 s, on the way to the bot's first getUpdates (`npm run bench`, start-up). On
 * Telegram the worker starts once the bot takes updates (`App.startWorker`); a "Send" in the
 * moment before simply waits for it.
 */
let bullmq: Promise<typeof import("bullmq")> | undefined;
const loadBullmq = () => {
  bullmq ??= import("bullmq");
  return bullmq;
};

/**
 * A delivery that no retry can mend. BullMQ stops retrying a job whose error has this name (its
 * own class of the name is not used, so that this module loads without BullMQ).
 */
export class UnrecoverableError extends Error {
  override name = "UnrecoverableError";
}

export interface DeliveryJob {
  code: string;
  /** A partner id, or "triage". */
  recipient: string;
  /** For a grant attached later: the key id it was made for (a new delivery, even to a partner who had the first). */
  grant?: string;
}

/** What the "sent" marker is kept under: a grant is its own delivery. */
const sentKey = (job: DeliveryJob) => (job.grant ? `${job.recipient}+${job.grant}` : job.recipient);

/** What delivery needs from the rest of Qadam. */
export interface DeliveryDeps {
  api: Api;
  store: ReferralStore;
  directory: Directory;
  referralsDir: string;
  logger: Logger;
  /** The neutral caption for a recipient (code, country, date: no names), in their language. */
  caption: (recipient: Directory["triage"] | Partner, code: string, country: string, created: string) => string;
  /** The message to the triage desk when a delivery finally failed. */
  failureNotice: (code: string, partner: string) => string;
  /** The message to the triage desk when a delivery may have arrived (it is not sent again). */
  uncertainNotice: (code: string, partner: string) => string;
  /** Buttons under a partner's copy (accept, decline), in the partner's language; none for the triage desk. */
  buttons?: (recipient: Partner, code: string) => { text: string; callback_data: string }[][];
  /** Counts each attempt's outcome for /metrics (no code, no recipient). */
  metrics?: { delivery(outcome: DeliveryOutcome): void };
}

/** An error that says how long to wait (Telegram's 429 `retry_after`). */
class RetryAfter extends Error {
  constructor(readonly seconds: number) {
    super(`Telegram asked to retry after ${seconds} s`);
  }
}

function recipientOf(dir: Directory, id: string): Directory["triage"] | Partner | undefined {
  return id === "triage" ? dir.triage : dir.partners.find((p) => p.id === id);
}

export const fileName = (code: string) => `referral-${code}.qadam`;

/** Sends one envelope to one recipient by its transport; classifies failures for retrying. */
async function send(
  deps: DeliveryDeps,
  transport: Transport,
  code: string,
  envelope: string,
  caption: string,
  buttons?: { text: string; callback_data: string }[][],
): Promise<void> {
  if (transport.type === "folder") {
    const path = join(deps.referralsDir, transport.path, fileName(code));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, envelope, { mode: 0o600 });
    return;
  }
  try {
    // A buffer, not a stream: a retried request must send the whole file again.
    await deps.api.sendDocument(transport.chat_id, new InputFile(Buffer.from(envelope), fileName(code)), {
      caption,
      protect_content: false,
      ...(buttons?.length ? { reply_markup: { inline_keyboard: buttons } } : {}),
    });
  } catch (e) {
    if (e instanceof GrammyError) {
      if (e.error_code === 429) throw new RetryAfter(e.parameters.retry_after ?? 5);
      if (e.error_code >= 500) throw e;
      // 400/403: the chat is wrong or blocked the bot; retrying will not help.
      throw new UnrecoverableError(`Telegram refused the delivery: ${e.description}`);
    }
    if (e instanceof HttpError) throw e; // network: retry
    throw e;
  }
}

/**
 * A send that failed in a way that shows it did not arrive: Telegram answered with an error, or
 * the connection was never made. Anything else (a connection lost after the request left, a
 * timeout) may have been delivered.
 */
function notDelivered(e: unknown): boolean {
  if (e instanceof RetryAfter || e instanceof GrammyError || e instanceof UnrecoverableError) return true;
  const inner = e instanceof HttpError ? String((e.error as Error | undefined)?.message ?? "") : "";
  const text = `${String((e as Error)?.message ?? "")} ${inner}`;
  return /\bconnect\b|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(text);
}

/** A delivery whose outcome is unknown: the triage desk is told; it is never sent blindly again. */
/**
 * The keys BullMQ keeps per queue (besides each job's hash and its lock, which expires by itself).
 * A job's log (`<id>:logs`) is never written: no delivery calls `job.log`.
 *
 * The ones that exist with Qadam's options, written by a dispatch (BullMQ's add script: id, events,
 * wait, marker; meta from the start) or by the worker (active, delayed, failed, stalled): renewed
 * with every dispatch, as each may hold referral codes (job ids).
 */
const QUEUE_KEYS = ["id", "meta", "events", "wait", "marker", "active", "delayed", "failed", "stalled"];
/**
 * The ones Qadam's options never make (a pause, priorities, the rate limiter, metrics, a kept list
 * of completed jobs: removeOnComplete) and the stall check's own key (which has its own expiry):
 * renewed with a dispatch at most once an hour, in case another setting ever makes one.
 */
const RARE_KEYS = [
  "paused",
  "prioritized",
  "completed",
  "stalled-check",
  "pc",
  "limiter",
  "metrics:completed",
  "metrics:failed",
  "metrics:completed:data",
  "metrics:failed:data",
];
/** An hour, or a hundredth of the lifetime if that is shorter. */
const renewEvery = (keepSeconds: number) => Math.min(3_600, keepSeconds / 100) * 1000;

export class MaybeDelivered extends UnrecoverableError {}

/**
 * Delivers one job; safe to run again after a crash or a retry. Exactly once where that can be
 * known: a "begun" mark is set before the send and taken back when the send is known not to have
 * arrived. A job that finds a send begun and never finished (a crash mid-send, a connection lost
 * after Telegram may have accepted the file) does not send again: it fails, and triage is told to
 * check with the recipient. So a file arrives at most once, and if it may not have, a person knows.
 */
export async function deliver(deps: DeliveryDeps, job: DeliveryJob): Promise<"sent" | "already sent"> {
  const key = sentKey(job);
  if (await deps.store.wasSent(job.code, key)) return "already sent";
  const recipient = recipientOf(deps.directory, job.recipient);
  if (!recipient) throw new UnrecoverableError(`no recipient "${job.recipient}" in the partners file`);
  const envelope = await deps.store.envelope(job.code);
  if (!envelope) throw new UnrecoverableError(`the envelope of ${job.code} has expired`);
  const rec = await deps.store.get(job.code);
  const buttons = recipient.id === "triage" ? undefined : deps.buttons?.(recipient as Partner, job.code);
  if (!(await deps.store.begin(job.code, key)))
    throw new MaybeDelivered(`the delivery of ${job.code} to ${job.recipient} may have arrived already`);
  try {
    await send(
      deps,
      recipient.transport,
      job.code,
      envelope,
      deps.caption(recipient, job.code, rec?.country ?? "", rec?.created ?? ""),
      buttons,
    );
  } catch (e) {
    if (notDelivered(e) || recipient.transport.type === "folder") await deps.store.unbegin(job.code, key);
    throw e;
  }
  await deps.store.markSent(job.code, key);
  deps.metrics?.delivery("sent");
  return "sent";
}

/** Tells the triage desk (by its own transport) that a delivery finally failed, or may have arrived. */
export async function reportFailure(deps: DeliveryDeps, job: DeliveryJob, maybe = false): Promise<void> {
  const text = maybe ? deps.uncertainNotice(job.code, job.recipient) : deps.failureNotice(job.code, job.recipient);
  const t = deps.directory.triage.transport;
  if (t.type === "telegram") await deps.api.sendMessage(t.chat_id, text);
  else {
    const path = join(deps.referralsDir, t.path, `delivery-failed-${job.code}-${job.recipient}.txt`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${text}\n`, { mode: 0o600 });
  }
}

export interface Dispatcher {
  dispatch(code: string, recipients: string[]): Promise<void>;
  /** Delivers the envelope with a grant attached later for `recipient`'s key (its own job and "sent" marker). */
  dispatchGrant(code: string, recipient: string, keyId: string): Promise<void>;
  /** For /healthz: false when a worker was started and has stopped (nothing would be delivered). */
  healthy(): boolean;
  /** For /metrics: jobs by state (none without a queue). */
  depth(): Promise<Record<string, number>>;
  /**
   * Waits, at most `ms`, until no delivery is waiting or under way; returns how many still are.
   * The local chat calls it before it exits, so that a referral sent on its last line arrives.
   */
  settle(ms: number): Promise<number>;
  close(): Promise<void>;
}

/** A connection whose errors are logged (once Redis is back, ioredis reconnects by itself). */
function quiet(conn: Redis, logger: Logger): Redis {
  conn.on("error", (e: Error) => logger.warn({ err: e.message }, "delivery redis"));
  return conn;
}

/** Backoff for attempt n (1-based): Telegram's retry_after if it gave one, else 2^n × base. */
export function backoffMs(attemptsMade: number, err: Error | undefined, baseMs: number): number {
  if (err instanceof RetryAfter) return err.seconds * 1000;
  const after = err ? /retry after (\d+) s/.exec(err.message)?.[1] : undefined;
  if (after) return Number(after) * 1000;
  return 2 ** Math.max(0, attemptsMade - 1) * baseMs;
}

/** EXPIRE for every key, in one command (a script): 12 or more EXPIREs per "Send" were as many commands to write and read. */
const EXPIRE_ALL = `for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[1]) end
return #KEYS`;
type ExpiringRedis = Redis & { qadamExpire(numKeys: number, ...keysThenSeconds: (string | number)[]): Promise<number> };

/** The durable queue on Redis, and its worker. */
export class QueueDispatcher implements Dispatcher {
  private queueMade: Promise<Queue<DeliveryJob>> | undefined;
  private workerMade: Promise<Worker<DeliveryJob> | undefined> | undefined;
  private worker: Worker<DeliveryJob> | undefined;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly redis: Redis,
    /** lockMs: how soon a job whose worker lost Redis mid-way is taken up again (BullMQ's lock and stall check; 30 s by default). */
    private readonly opts: { baseDelayMs?: number; keepSeconds: number; lockMs?: number } = { keepSeconds: 30 * 86_400 },
  ) {
    // The number of keys is the first argument (no numberOfKeys).
    if (!("qadamExpire" in redis)) redis.defineCommand("qadamExpire", { lua: EXPIRE_ALL });
  }

  /** The queue, made on first use (see loadBullmq). */
  private queue(): Promise<Queue<DeliveryJob>> {
    this.queueMade ??= loadBullmq().then(({ Queue }) => {
      // The events stream is kept short: it holds job ids (referral codes) and times. A Send adds a
      // job per recipient at once: their commands leave in one write (coalesceWrites).
      const queue = new Queue<DeliveryJob>(QUEUE, {
        connection: this.own(coalesceWrites(this.redis.duplicate({ maxRetriesPerRequest: null, enableAutoPipelining: false }))),
        streams: { events: { maxLen: 50 } },
      });
      queue.on("error", (e) => this.deps.logger.warn({ err: e.message }, "delivery queue"));
      return queue;
    });
    return this.queueMade;
  }

  async dispatch(code: string, recipients: string[]): Promise<void> {
    const queue = await this.queue();
    // One `add` per recipient, all at once, rather than `addBulk`: BullMQ's bulk add is a plain
    // ioredis pipeline (not atomic either), and making one copies a wrapper for each of BullMQ's
    // fifty-odd scripts, a tenth of a "Send" on the bot's thread (`npm run bench`). A job's id
    // makes a repeated add a no-op, so a Send that failed half-way is simply dispatched again.
    await Promise.all(
      recipients.map((recipient) =>
        queue.add(
          "deliver",
          { code, recipient },
          {
            jobId: `ref-${code}-${recipient}`,
            attempts: ATTEMPTS,
            backoff: { type: "qadam" },
            // A delivered job is gone at once (its "sent" marker stays, with the referral's expiry).
            removeOnComplete: true,
            removeOnFail: { age: this.opts.keepSeconds },
          },
        ),
      ),
    );
    await this.expireQueueKeys(recipients.map((recipient) => `ref-${code}-${recipient}`));
  }

  /**
   * BullMQ's own keys (its counters, settings, events, lists) and the new jobs' hashes have no
   * expiry: give each the referrals' lifetime, renewed with every new delivery, so nothing of a
   * referral outlives it. Named, not scanned: one round trip, however long the queue. The keys
   * Qadam's options never make, at most once an hour (10 commands fewer per dispatch).
   */
  private async expireQueueKeys(jobIds: string[]): Promise<void> {
    const now = Date.now();
    const rare = now - this.renewed >= renewEvery(this.opts.keepSeconds);
    const keys = [...QUEUE_KEYS, ...(rare ? RARE_KEYS : []), ...jobIds].map((k) => `bull:${QUEUE}:${k}`);
    await (this.redis as ExpiringRedis).qadamExpire(keys.length, ...keys, this.opts.keepSeconds);
    if (rare) this.renewed = now;
  }
  /** When the keys Qadam's options never make were last renewed (0: not yet by this process). */
  private renewed = 0;

  async dispatchGrant(code: string, recipient: string, keyId: string): Promise<void> {
    // Its own job id and "sent" marker: a first delivery to this partner (say, before a key was
    // replaced) must not block this one. Like every delivery job, it is gone when the envelope is.
    const grantJob = `ref-${code}-${recipient}-grant-${keyId}`;
    const queue = await this.queue();
    await queue.add(
      "deliver",
      { code, recipient, grant: keyId },
      {
        jobId: grantJob,
        attempts: ATTEMPTS,
        backoff: { type: "qadam" },
        removeOnComplete: true,
        removeOnFail: { age: this.opts.keepSeconds },
      },
    );
    await this.expireQueueKeys([grantJob]);
  }

  /**
   * Starts the worker (in the bot process; or separately, any number of them), once BullMQ has
   * loaded. Until then it counts as healthy: it is starting, not stopped.
   */
  startWorker(): void {
    if (this.workerMade) return;
    // The queue too, now: /metrics counts its jobs, and a queue first made in the middle of a
    // Redis outage (a scrape) could leave its start-up hanging and delay a clean stop.
    // A failure to load is reported by the first dispatch, which awaits the same promise.
    this.queue().catch(() => {});
    const base = this.opts.baseDelayMs ?? 2000;
    this.workerMade = loadBullmq()
      .then(({ Worker }) => {
        if (this.closed) return undefined;
        const worker = new Worker<DeliveryJob>(QUEUE, async (job: Job<DeliveryJob>) => deliver(this.deps, job.data), {
          connection: this.own(this.redis.duplicate({ maxRetriesPerRequest: null, enableAutoPipelining: false })),
          concurrency: 2,
          ...(this.opts.lockMs ? { lockDuration: this.opts.lockMs, stalledInterval: this.opts.lockMs } : {}),
          settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => backoffMs(attemptsMade, err, base) },
        });
        worker.on("failed", (job, err) => {
          if (!job) return;
          const final = err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? ATTEMPTS);
          this.deps.logger.warn({ job: job.id, attempt: job.attemptsMade, final, err: err.message }, "delivery failed");
          this.deps.metrics?.delivery(!final ? "retry" : err instanceof MaybeDelivered ? "uncertain" : "failed");
          if (final)
            void reportFailure(this.deps, job.data, err instanceof MaybeDelivered).catch((e: Error) =>
              this.deps.logger.error({ job: job.id, err: e.message }, "could not tell triage"),
            );
        });
        worker.on("error", (e) => this.deps.logger.warn({ err: e.message }, "delivery worker"));
        this.worker = worker;
        return worker;
      })
      .catch((e: Error) => {
        this.failedToStart = true;
        this.deps.logger.error({ err: e.message }, "delivery worker could not start");
        return undefined;
      });
  }
  private closed = false;
  private failedToStart = false;

  healthy(): boolean {
    if (this.failedToStart) return false;
    return this.worker === undefined || (this.worker.isRunning() && !this.worker.closing);
  }

  async depth(): Promise<Record<string, number>> {
    return (await this.queue()).getJobCounts("waiting", "active", "delayed", "failed");
  }

  async settle(ms: number): Promise<number> {
    const until = Date.now() + ms;
    const queue = await this.queue();
    for (;;) {
      const c = await queue.getJobCounts("waiting", "active", "prioritized");
      const left = (c["waiting"] ?? 0) + (c["active"] ?? 0) + (c["prioritized"] ?? 0);
      if (left === 0 || Date.now() >= until) return left;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await (await this.workerMade)?.close();
    await (await this.queueMade)?.close();
    // BullMQ does not close connections it was given: ours would keep reconnecting.
    for (const c of this.connections.splice(0)) c.disconnect();
  }

  private readonly connections: Redis[] = [];
  /** A connection of this dispatcher's own, logged, and closed with it. */
  private own(conn: Redis): Redis {
    this.connections.push(quiet(conn, this.deps.logger));
    return conn;
  }
}

/** In process, at once: for the local chat (folder transports), with a few quick retries. */
export class DirectDispatcher implements Dispatcher {
  constructor(private readonly deps: DeliveryDeps) {}

  async dispatch(code: string, recipients: string[]): Promise<void> {
    for (const recipient of recipients) await this.run({ code, recipient });
  }

  async dispatchGrant(code: string, recipient: string, keyId: string): Promise<void> {
    await this.run({ code, recipient, grant: keyId });
  }

  private async run(job: DeliveryJob): Promise<void> {
    const { code, recipient } = job;
    let done = false;
    let maybe = false;
    for (let attempt = 1; attempt <= 3 && !done; attempt++) {
      try {
        await deliver(this.deps, job);
        done = true;
      } catch (e) {
        this.deps.logger.warn({ code, recipient, attempt, err: (e as Error).message }, "delivery failed");
        maybe = e instanceof MaybeDelivered;
        if (e instanceof UnrecoverableError) break;
        if (attempt < 3) this.deps.metrics?.delivery("retry");
      }
    }
    if (!done) {
      this.deps.metrics?.delivery(maybe ? "uncertain" : "failed");
      await reportFailure(this.deps, job, maybe).catch(() => {});
    }
  }

  healthy(): boolean {
    return true;
  }

  async depth(): Promise<Record<string, number>> {
    return {};
  }

  /** Each delivery ran before `dispatch` returned: nothing is left. */
  async settle(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
