/**
 * Translation for one chat: the chat's language, the values every text may ask for (how long
 * answers are kept), and what the bot set for this update in ctx.params.
 */
import { type Msg, translate } from "../i18n/translate.js";
import type { QadamContext } from "./context.js";

/** Translates for this chat, with the chat's globals (retention; and what the bot set in ctx.params). */
export function tr(ctx: QadamContext, msg: Msg | string, params?: Msg["params"]): string {
  return translate(ctx.t, msg, params, globals(ctx));
}

export function globals(ctx: QadamContext): Record<string, string> {
  return { ...ctx.params, retention: ctx.t("common:retention", { count: ctx.deps.retentionDays }) as string };
}

export { localDate } from "../i18n/translate.js";
