/**
 * Translation for one chat: the chat's language, the values every text may ask for (how long
 * answers are kept), and what the bot set for this update in ctx.params.
 */
import { type Msg, retentionText as retentionIn, translate, fixedT as translationFor } from "../i18n/translate.js";
import type { QadamContext } from "./context.js";

/** Translates for this chat, with the chat's globals (retention; and what the bot set in ctx.params). */
export function tr(ctx: QadamContext, msg: Msg | string, params?: Msg["params"]): string {
  return translate(ctx.t, msg, params, () => globals(ctx));
}

export function globals(ctx: QadamContext): Record<string, string> {
  return { ...ctx.params, retention: retentionText(ctx, ctx.deps.retentionDays) };
}

/** "30 days" in the chat's language: the same in every text of every update, so made once. */
export function retentionText(ctx: QadamContext, days: number): string {
  return retentionIn(ctx.t, days);
}

export { localDate } from "../i18n/translate.js";

/** The translation function for a language, made once (see i18n/translate.ts). */
export const fixedT = (deps: Pick<QadamContext["deps"], "i18n">, lang: string): QadamContext["t"] => translationFor(deps.i18n, lang);
