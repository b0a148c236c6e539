/**
 * "Are you sure?" for the actions that cannot be undone (/delete, /restart, /wipe): a text and two
 * buttons. Keys are written out in full at each call, so flows:check sees that they are used.
 */
import type { QadamContext } from "./context.js";
import { choices } from "./keyboards.js";
import { send } from "./send.js";
import { tr } from "./text.js";

export const askToConfirm =
  (text: string, yes: [labelKey: string, data: string], no: [labelKey: string, data: string]) =>
  (ctx: QadamContext): Promise<number> =>
    send(ctx, tr(ctx, text), choices(ctx, [yes, no]));
