/**
 * What an operator needs to see that Qadam is well, in Prometheus' format (prom-client): updates
 * handled and how long they took, errors, duplicates dropped, the delivery queue's depth, and
 * deliveries. Nothing here names a chat, a person, a code or a partner: labels are fixed words,
 * so a scraped /metrics reveals load, never who is using the bot.
 *
 * One registry per app (not prom-client's global one), so tests can build many apps in one process.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The kinds of update counted apart; anything else is "other". */
const KINDS = ["message", "callback_query", "edited_message", "my_chat_member"] as const;

export type DeliveryOutcome = "sent" | "retry" | "failed" | "uncertain";

export class Metrics {
  readonly registry = new Registry();
  private readonly updates = new Counter({
    name: "qadam_updates_total",
    help: "Updates handled, by kind.",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "qadam_update_duration_seconds",
    help: "Time to handle one update, from the first middleware to the last reply sent.",
    // From a cached screen (~0.2 ms) to a "Send" over a slow Telegram (seconds).
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: "qadam_update_errors_total",
    help: "Updates whose handling failed (the person was told); where: session (storage) or handler.",
    labelNames: ["where"],
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: "qadam_updates_duplicate_total",
    help: "Updates received again (a webhook retry) and not handled twice.",
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: "qadam_deliveries_total",
    help: "Referral deliveries to a recipient, by outcome: sent, retry (will be tried again), failed, uncertain (may have arrived; triage told).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });

  constructor(o: {
    /** Jobs in the delivery queue by state, read when /metrics is scraped. */
    queueDepth?: () => Promise<Record<string, number>>;
    /** Node's own figures (memory, event loop lag, GC): on in production, off in tests. */
    processMetrics?: boolean;
  }) {
    if (o.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "qadam_" });
    const depth = o.queueDepth;
    if (depth)
      new Gauge({
        name: "qadam_delivery_queue_jobs",
        help: "Referral delivery jobs in the queue, by state.",
        labelNames: ["state"],
        registers: [this.registry],
        async collect() {
          for (const [state, n] of Object.entries(await depth())) this.set({ state }, n);
        },
      });
    for (const kind of [...KINDS, "other"]) this.updates.inc({ kind }, 0);
    for (const where of ["session", "handler"]) this.errors.inc({ where }, 0);
    for (const outcome of ["sent", "retry", "failed", "uncertain"]) this.deliveries.inc({ outcome }, 0);
  }

  /** Starts timing one update; call the result when it is done. */
  update(kind: string): () => void {
    const end = this.duration.startTimer();
    const k = (KINDS as readonly string[]).includes(kind) ? kind : "other";
    return () => {
      end();
      this.updates.inc({ kind: k });
    };
  }

  error(where: "session" | "handler"): void {
    this.errors.inc({ where });
  }

  duplicate(): void {
    this.duplicates.inc();
  }

  delivery(outcome: DeliveryOutcome): void {
    this.deliveries.inc({ outcome });
  }

  /** The text a Prometheus scrape receives. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
