/**
 * grammY's Composer, with `filter` run without building a Composer on every update. Every
 * `on`, `command`, `callbackQuery`, `chatType` and `hears` of grammY is a `filter`, so each
 * feature gets this by making its composer a `FeatureComposer`; nothing else changes.
 *
 * Why: grammY's `filter` is `branch` → `lazy`, which on each update awaits the predicate, makes a
 * new Composer of the chosen branch and flattens it, and each registration is one more link in
 * the chain of `next` closures. An interview update passes through about sixty filters of
 * Qadam's features before it reaches the interview, so those short-lived objects were the largest
 * share of garbage collection in `npm run bench`. Here:
 * - a branch's composer is made once; its middleware is still read on each update, so it can be
 *   extended after it is registered (as `pm = composer.chatType("private"); pm.command(…)` does);
 * - filters registered one after another are tried in one loop: a filter that does not match
 *   costs one call of its predicate, not a closure and a promise.
 * The semantics are grammY's: the order of registration is kept (a `use` between two filters
 * ends the loop), the predicate may return a promise, and a false one passes the update on.
 */
import { Composer, type Context, type Middleware, type NextFunction } from "grammy";

type Predicate<C> = (ctx: C) => boolean | Promise<boolean>;

export class FeatureComposer<C extends Context> extends Composer<C> {
  /** The filters registered since the last `use`, tried in one loop. */
  private run: Array<{ predicate: Predicate<C>; branch: Composer<C> }> | undefined;

  override use(...middleware: Array<Middleware<C>>): Composer<C> {
    this.run = undefined;
    return super.use(...middleware);
  }

  override filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Array<Middleware<D>>): Composer<D>;
  override filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C>;
  override filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C> {
    const branch = new FeatureComposer<C>(...middleware);
    if (this.run) {
      this.run.push({ predicate, branch });
      return branch;
    }
    const run = [{ predicate, branch }];
    super.use((ctx: C, next: NextFunction) => {
      const from = (i: number): Promise<void> => {
        for (; i < run.length; i++) {
          const { predicate, branch } = run[i] as (typeof run)[number];
          const yes = predicate(ctx);
          if (yes === false) continue;
          const k = i + 1;
          const inBranch = () => branch.middleware()(ctx, () => from(k)) as Promise<void>;
          if (yes === true) return inBranch();
          return yes.then((y) => (y ? inBranch() : from(k)));
        }
        return next();
      };
      return from(0);
    });
    this.run = run;
    return branch;
  }
}
