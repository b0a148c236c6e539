/**
 * /help, and what happens to anything the bot does not understand: unknown commands and
 * photos, voice messages or files (which Qadam does not read, to keep nothing it does not need).
 */
import { FeatureComposer } from "../composer.js";
import type { QadamContext } from "../context.js";
import { send } from "../send.js";
import { tr } from "../text.js";

export const help = new FeatureComposer<QadamContext>();
const pm = help.chatType("private");

pm.command("help", (ctx) => send(ctx, tr(ctx, "common:help")));
pm.on("message:text", (ctx) => send(ctx, tr(ctx, "common:help")));
pm.on("message", (ctx) => send(ctx, tr(ctx, "common:errors.unsupported")));
