/**
 * Building and sealing dossiers on a worker thread.
 *
 * Why: a "Send" is mostly CPU: the dossier in every recipient's language, its encryption, a
 * sealed key per recipient and the signature, about half of the update. On the bot's own thread
 * it held up every other person's update for that long, and it bounded the Sends a process can
 * make to what one core does after all its other work (issue 10: "Send" ≥ 300/s). On a worker
 * thread it runs beside the bot's thread; the bot waits for it as it waits for Redis.
 *
 * The worker loads the same content, partners file and signing key as the bot (see
 * src/seal-worker.ts) and runs the same `sealFor`; only plain values cross: the answers and
 * `SealMeta` in, the envelope's text, the record and the recipients out. One worker: a seal is a few
 * milliseconds, and the bot's thread still has the rest of each Send and every other update to do.
 * (Piscina would pool several; it brings an optional native dependency for thread priority, and
 * one thread with a queue needs no pool.)
 */
import { type MessagePort, Worker } from "node:worker_threads";
import type { InterviewState } from "../flow/engine.js";
import { type ReferralService, type Sealed, type Sealer, type SealMeta, sealFor } from "./service.js";

/** What the worker is started with: where the bot's content and keys are, as the bot's configuration says. */
export interface SealerSetup {
  flowsDir: string;
  localesDir: string;
  partnersFile: string;
  triagePublicKey?: string;
  signingKey: string;
}

interface Request {
  id: number;
  state: InterviewState;
  meta: SealMeta;
}
type Reply = { id: number; sealed: Sealed } | { id: number; error: string };

/** The worker's side: answers each request with `sealFor`, or with what went wrong. */
export function serveSealing(
  port: MessagePort,
  svc: Pick<ReferralService, "flows" | "cards" | "directory" | "i18n" | "triage" | "signer">,
): void {
  port.on("message", (r: Request) => {
    let reply: Reply;
    try {
      reply = { id: r.id, sealed: sealFor(svc, r.state, r.meta) };
    } catch (e) {
      reply = { id: r.id, error: (e as Error).message };
    }
    port.postMessage(reply);
  });
}

/** The bot's side: one worker, started by `warm()` or the first seal, started again if it ever stops. */
export class ThreadSealer implements Sealer {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: Sealed) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    /** The worker's module (src/seal-worker.ts, or its build in dist/). */
    private readonly script: URL,
    private readonly setup: SealerSetup,
    private readonly opts: {
      /** A seal takes milliseconds; one that takes this long has failed, and the person may press "Send" again. */
      timeoutMs?: number;
      onError?: (e: Error) => void;
    } = {},
  ) {}

  /**
   * Starts the thread now rather than at the first seal (which would wait for its content to
   * load). The bot calls it once it is taking updates: started any earlier, the thread's loading
   * competed with the bot's own for the machine's cores and delayed its first getUpdates.
   */
  warm(): void {
    if (!this.closed) this.worker ??= this.start();
  }

  seal(state: InterviewState, meta: SealMeta): Promise<Sealed> {
    if (this.closed) return Promise.reject(new Error("the sealer is closed"));
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise<Sealed>((resolve, reject) => {
      // A thread that is this late is stuck: it is stopped, and the next seal starts another.
      const timer = setTimeout(() => {
        this.settle({ id, error: "sealing took too long" });
        if (this.worker === worker) void worker.terminate();
      }, this.opts.timeoutMs ?? 10_000);
      this.pending.set(id, { resolve, reject, timer });
      // A worker with nothing to do does not keep the process alive; one with a seal to finish does.
      worker.ref();
      worker.postMessage({ id, state, meta } satisfies Request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new Error("the sealer is closed"));
    if (w) await w.terminate();
  }

  private start(): Worker {
    // From dist/ the worker is plain JavaScript. From source (tsx, vitest) it is TypeScript, which
    // Node 20 will not start as a worker, even with tsx's loader in execArgv: a line of JavaScript
    // registers tsx (a dev dependency, as running the source needs anyway) and imports it.
    const w = this.script.pathname.endsWith(".ts")
      ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(this.script.href)}); });`, {
          eval: true,
          workerData: this.setup,
        })
      : new Worker(this.script, { workerData: this.setup });
    w.unref();
    w.on("message", (r: Reply) => this.settle(r));
    w.on("error", (e) => {
      this.opts.onError?.(e);
      this.failAll(e);
    });
    w.on("exit", (code) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(new Error(`the sealing thread stopped (exit code ${code})`));
    });
    return w;
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    if (this.pending.size === 0) this.worker?.unref();
    if ("sealed" in r) p.resolve(r.sealed);
    else p.reject(new Error(r.error));
  }

  private failAll(e: Error): void {
    for (const id of [...this.pending.keys()]) this.settle({ id, error: e.message });
  }
}
