/**
 * The command menu: which commands it lists, and their descriptions in one language. Set once per
 * Telegram language at start (registerCommands), and for one chat when the person chooses a
 * language, so the menu follows the language they chose rather than their phone's.
 */
import type { TFunction } from "i18next";

export const MENU_COMMANDS = [
  "start",
  "back",
  "mydata",
  "status",
  "pause",
  "language",
  "restart",
  "delete",
  "wipe",
  "panic",
  "discreet",
  "verify",
  "help",
] as const;

export function commandMenu(t: TFunction): { command: string; description: string }[] {
  return MENU_COMMANDS.map((c) => ({ command: c, description: t(`common:commands.${c}`) as string }));
}
