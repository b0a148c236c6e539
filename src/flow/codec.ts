/**
 * Callback data for interview buttons: `q|<step>|<action>[|<arg>]`.
 *
 * Only language-neutral ids go in, never text, so the data stays within Telegram's 64 bytes
 * whatever the language. `step` is the interview's step counter when the button was drawn; a
 * press with another step comes from an old keyboard and is answered as stale.
 */
import { type CompiledNode, optionsOf } from "./model.js";

export type ButtonAction =
  | { type: "choose"; option: string }
  | { type: "toggle"; option: string }
  | { type: "done" }
  | { type: "skip" }
  | { type: "back" }
  | { type: "keep" }
  | { type: "pause" }
  | { type: "edit"; ref: string }
  /** Change an answer from the review screen, then come straight back to it. */
  | { type: "revise"; ref: string };

export type Pressed = ButtonAction & { step: number };

const CODES = { choose: "c", toggle: "t", done: "d", skip: "s", back: "b", keep: "k", pause: "p", edit: "e", revise: "r" } as const;
const TYPES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<string, ButtonAction["type"]>;

export function encodeButton(a: ButtonAction, step: number): string {
  const arg = a.type === "choose" || a.type === "toggle" ? a.option : a.type === "edit" || a.type === "revise" ? a.ref : undefined;
  return `q|${step}|${CODES[a.type]}${arg === undefined ? "" : `|${arg}`}`;
}

/** The pressed button, or undefined for data that is not an interview button (or is malformed). */
export function decodeButton(data: string): Pressed | undefined {
  const m = /^q\|(\d{1,9})\|([a-z])(?:\|([a-z0-9_/]{1,49}))?$/.exec(data);
  if (!m) return undefined;
  const step = Number(m[1]);
  const type = TYPES[m[2] ?? ""];
  const arg = m[3];
  switch (type) {
    case "choose":
    case "toggle":
      return arg && !arg.includes("/") ? { type, option: arg, step } : undefined;
    case "edit":
    case "revise":
      return arg?.includes("/") ? { type, ref: arg, step } : undefined;
    case undefined:
      return undefined;
    default:
      return arg === undefined ? { type, step } : undefined;
  }
}

/** The longest callback data any button of this node can produce (for the 64-byte check). */
export function longestCallbackData(node: CompiledNode): string {
  const step = 999_999_999;
  const all = [
    encodeButton({ type: "edit", ref: node.ref }, step),
    ...optionsOf(node).map((o) => encodeButton({ type: "toggle", option: o.id }, step)),
  ];
  return all.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
}
