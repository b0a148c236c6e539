/**
 * grammY's Composer, run as a flat list instead of a chain of nested closures. Each feature's
 * composer, and the bot's own stack (see bot.ts), is a `FeatureComposer`; grammY's methods (`on`,
 * `command`, `callbackQuery`, `chatType`, `hears`, `errorBoundary`…) are used as they are.
 *
 * Why: grammY builds a composer as `concat(concat(pass, a), b)…` and a `filter` as
 * `branch` → `lazy`, which on each update awaits the predicate and builds a new Composer of the
 * chosen branch. An interview update passes through about sixty filters of Qadam's features, so
 * grammY's wiring made about 120 of the 206 promises and closures of each update, the largest
 * share of garbage collection in `npm run bench`. Here:
 * - a composer keeps its steps in order: middleware (`use`) and filters (a predicate and the
 *   branch composer, made once at registration);
 * - an update walks the steps in one loop: a filter that does not match costs one call of its
 *   predicate; a step that runs gets one closure for its `next`.
 *
 * The semantics are grammY's: the order of registration; `use` and `filter` return a composer that
 * can still be extended after it is registered (as `pm = composer.chatType("private");
 * pm.command(…)` does); a predicate may return a promise; a step that does not call `next` ends
 * the update there. Not kept: grammY's check that `next` is called at most once per step.
 */
import { BotError, Composer, type Context, type Middleware, type MiddlewareFn, type NextFunction } from "grammy";

type Predicate<C> = (ctx: C) => boolean | Promise<boolean>;
type Step<C extends Context> = { predicate?: Predicate<C>; run: Middleware<C> };

export class FeatureComposer<C extends Context> extends Composer<C> {
  private readonly steps: Step<C>[] = [];
  private readonly handle: MiddlewareFn<C> = (ctx, next) => this.from(ctx, next, 0);

  constructor(...middleware: Array<Middleware<C>>) {
    super();
    for (const run of middleware) this.steps.push({ run });
  }

  override middleware(): MiddlewareFn<C> {
    return this.handle;
  }

  override use(...middleware: Array<Middleware<C>>): Composer<C> {
    const composer = new FeatureComposer<C>(...middleware);
    this.steps.push({ run: composer });
    return composer;
  }

  override filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Array<Middleware<D>>): Composer<D>;
  override filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C>;
  override filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C> {
    const branch = new FeatureComposer<C>(...middleware);
    this.steps.push({ predicate, run: branch });
    return branch;
  }

  /** grammY's error boundary, with the guarded middleware in a `FeatureComposer` too. */
  override errorBoundary(
    errorHandler: (error: BotError<C>, next: NextFunction) => unknown,
    ...middleware: Array<Middleware<C>>
  ): Composer<C> {
    const composer = new FeatureComposer<C>(...middleware);
    this.steps.push({
      run: async (ctx, next) => {
        let nextCalled = false;
        const cont = () => {
          nextCalled = true;
          return Promise.resolve();
        };
        try {
          await composer.from(ctx, cont, 0);
        } catch (err) {
          nextCalled = false;
          await errorHandler(new BotError(err, ctx), cont);
        }
        if (nextCalled) await next();
      },
    });
    return composer;
  }

  /** Runs the steps from `i` on; `next` once they all passed the update on. */
  private from(ctx: C, next: NextFunction, i: number): Promise<void> {
    const steps = this.steps;
    for (; i < steps.length; i++) {
      const { predicate, run } = steps[i] as Step<C>;
      if (predicate) {
        const yes = predicate(ctx);
        if (yes === false) continue;
        if (yes !== true) {
          const k = i;
          return yes.then((y) => (y ? this.step(run, ctx, next, k) : this.from(ctx, next, k + 1)));
        }
      }
      return this.step(run, ctx, next, i);
    }
    return next();
  }

  private step(run: Middleware<C>, ctx: C, next: NextFunction, i: number): Promise<void> {
    const rest = () => this.from(ctx, next, i + 1);
    if (run instanceof FeatureComposer) return run.from(ctx, rest, 0);
    return Promise.resolve(typeof run === "function" ? run(ctx, rest) : run.middleware()(ctx, rest)) as Promise<void>;
  }
}
