/**
 * Callback data of the bot's own buttons (language, resume, delete, restart): one codec, so no
 * feature types these strings by hand. Interview buttons have theirs in flow/codec.ts. Every
 * value is short ASCII, far under Telegram's 64 bytes.
 */
import { isLang, type Lang } from "../i18n/index.js";

export const CALLBACKS = {
  /** "Continue where I stopped" on the resume offer. */
  resume: "r|c",
  delete: { ask: "x|ask", yes: "x|yes", no: "x|no" },
  restart: { ask: "z|ask", yes: "z|yes", no: "z|no" },
  wipe: { ask: "e|ask", yes: "e|yes", no: "e|no" },
  /** Erase at once (the button on every step in discreet mode). */
  panic: "e|now",
  /** "Continue discreetly" on the first screen. */
  discreet: "e|discreet",
  /** "Send the same answers again?" */
  again: { yes: "a|yes", no: "a|no" },
} as const;

/**
 * The result's plan: open a step's card, show its sources, go back to the plan, send the summary
 * document. A card id is a slug (a-z0-9_, short), so the data stays far under 64 bytes.
 */
export const PLAN = {
  card: (id: string) => `p|c|${id}`,
  sources: (id: string) => `p|s|${id}`,
  back: "p|b",
  keep: "p|k",
} as const;
export const PLAN_DATA = /^p\|/;
export type PlanPress = { kind: "card" | "sources"; card: string } | { kind: "back" } | { kind: "keep" };
export function decodePlan(data: string): PlanPress | undefined {
  if (data === PLAN.back) return { kind: "back" };
  if (data === PLAN.keep) return { kind: "keep" };
  const m = /^p\|([cs])\|([a-z0-9_]{1,40})$/.exec(data);
  const card = m?.[2];
  return card ? { kind: m[1] === "c" ? "card" : "sources", card } : undefined;
}

/** A language button. */
export const languageData = (lang: Lang): string => `l|${lang}`;
/** Every language button's data matches this. */
export const LANGUAGE_DATA = /^l\|/;
/** The language a language button chooses, or undefined for anything else. */
export function decodeLanguage(data: string): Lang | undefined {
  const lang = data.startsWith("l|") ? data.slice(2) : undefined;
  return isLang(lang) ? lang : undefined;
}
