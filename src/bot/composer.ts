/**
 * grammY's Composer, with `filter` run without building a Composer on every update. Every
 * `on`, `command`, `callbackQuery`, `chatType` and `hears` of grammY is a `filter`, so each
 * feature gets this by making its composer a `FeatureComposer`; nothing else changes.
 *
 * Why: grammY's `filter` is `branch` → `lazy`, which on each update awaits the predicate, makes a
 * new Composer of the chosen branch and flattens it. An interview update passes through about
 * sixty filters of Qadam's features before it reaches the interview, so those short-lived objects
 * were the largest share of garbage collection in `npm run bench`. Here the branch's composer is
 * made once; its middleware is still read on each update, so it can be extended after it is
 * registered (as `pm = composer.chatType("private"); pm.command(…)` does). The semantics are
 * grammY's: the predicate may return a promise, and a false one passes the update on.
 */
import { Composer, type Context, type Middleware } from "grammy";

export class FeatureComposer<C extends Context> extends Composer<C> {
  override filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Array<Middleware<D>>): Composer<D>;
  override filter(predicate: (ctx: C) => boolean | Promise<boolean>, ...middleware: Array<Middleware<C>>): Composer<C>;
  override filter(predicate: (ctx: C) => boolean | Promise<boolean>, ...middleware: Array<Middleware<C>>): Composer<C> {
    const branch = new FeatureComposer<C>(...middleware);
    this.use((ctx, next) => {
      const yes = predicate(ctx);
      if (yes === true) return branch.middleware()(ctx, next);
      if (yes === false) return next();
      return yes.then((y) => (y ? branch.middleware()(ctx, next) : next()));
    });
    return branch;
  }
}
