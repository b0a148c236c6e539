/**
 * Inline keyboards: the engine's buttons, the language menu and the bot's own confirmations.
 * Labels are plain text (Telegram does not parse HTML in them).
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Button } from "../flow/view.js";
import { LANGS, type Lang } from "../i18n/index.js";
import { plain } from "../telegram/html.js";
import { CALLBACKS, languageData } from "./callbacks.js";
import type { QadamContext } from "./context.js";
import { tr } from "./text.js";

/** Inline keyboard from engine buttons; ticked options get a mark. */
export function keyboard(ctx: QadamContext, rows: Button[][]): InlineKeyboardMarkup {
  // In discreet mode every step carries the button that erases everything at once.
  const panic =
    ctx.chat?.type === "private" && ctx.session.discreet
      ? [[{ text: plain(tr(ctx, "common:buttons.panic")), callback_data: CALLBACKS.panic }]]
      : [];
  return {
    inline_keyboard: [
      ...rows.map((row) =>
        row.map(
          (b): InlineKeyboardButton => ({
            text: (b.checked === undefined ? "" : b.checked ? "✅ " : "▫️ ") + plain(tr(ctx, b.label)),
            callback_data: b.data,
          }),
        ),
      ),
      ...panic,
    ],
  };
}

/** The language menu: every language named in itself, the hinted one first. */
export function languageMenu(ctx: QadamContext, first: Lang): InlineKeyboardMarkup {
  const order = [first, ...LANGS.filter((l) => l !== first)];
  return { inline_keyboard: order.map((l) => [{ text: plain(tr(ctx, `common:language.names.${l}`)), callback_data: languageData(l) }]) };
}

/** A keyboard of bot-level choices (confirmations, resume), one per row. */
export function choices(ctx: QadamContext, items: [labelKey: string, data: string][]): InlineKeyboardMarkup {
  return { inline_keyboard: items.map(([key, data]) => [{ text: plain(tr(ctx, key)), callback_data: data }]) };
}
