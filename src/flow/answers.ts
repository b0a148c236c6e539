/**
 * Answers: how they are stored, how typed text becomes one, and whether a stored one still fits
 * its node (it may not, after a flow edit).
 */
import type { CompiledNode, DateNode, NumberNode, QuestionNode, TextNode } from "./model.js";
import { isQuestion } from "./model.js";

/** An answer as stored: a value, an explicit skip, or (for info nodes) "read". */
export type Answer = { kind: "value"; value: string | number | string[] } | { kind: "skipped" } | { kind: "seen" };

/** Why typed text was not taken as an answer; the bot says it in the person's language. */
export type TypedProblem =
  | { reason: "text_empty" }
  | { reason: "text_too_long"; max: number }
  | { reason: "number"; min: number; max: number }
  | { reason: "date" }
  | { reason: "date_future" };

/** Typed text as the answer to a text, number or date question, or why it cannot be one. */
export function parseTyped(node: TextNode | NumberNode | DateNode, raw: string, today: string): Answer | TypedProblem {
  const text = raw.trim();
  switch (node.type) {
    case "text":
      if (!text) return { reason: "text_empty" };
      if (text.length > node.maxLength) return { reason: "text_too_long", max: node.maxLength };
      return { kind: "value", value: text };
    case "number": {
      const n = /^[+]?\d[\d\s]*$/.test(text) ? Number(text.replace(/\s/g, "")) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < node.min || n > node.max) return { reason: "number", min: node.min, max: node.max };
      return { kind: "value", value: n };
    }
    case "date": {
      const d = parseDate(text);
      if (!d) return { reason: "date" };
      if (!node.allowFuture && d > today.slice(0, d.length)) return { reason: "date_future" };
      return { kind: "value", value: d };
    }
  }
}

/**
 * Dates as people type them: 15.03.2024, 15/03/2024, 2024-03-15, 03.2024 or 2024. Stored as ISO
 * text at the precision given (`2024-03-15`, `2024-03`, `2024`), so a vague memory stays vague.
 */
export function parseDate(text: string): string | undefined {
  const t = text.trim();
  // Day first (15.03.2024), ISO (2024-03-15), month and year (03.2024), or a year alone.
  const dmy = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(t);
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const my = /^(\d{1,2})[./-](\d{4})$/.exec(t);
  const year = /^(\d{4})$/.exec(t);
  const parts = dmy
    ? { y: dmy[3], m: dmy[2], d: dmy[1] }
    : iso
      ? { y: iso[1], m: iso[2], d: iso[3] }
      : my
        ? { y: my[2], m: my[1] }
        : year
          ? { y: year[1] }
          : undefined;
  if (!parts) return undefined;
  const y = Number(parts.y);
  const m = parts.m === undefined ? undefined : Number(parts.m);
  const d = parts.d === undefined ? undefined : Number(parts.d);
  if (y < 1900 || y > 2999) return undefined;
  if (m !== undefined && (m < 1 || m > 12)) return undefined;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (m === undefined) return String(y);
  if (d === undefined) return `${y}-${pad(m)}`;
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return undefined;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * Whether a date as stored (`2025`, `2025-08` or `2025-08-29`) may fall between two ISO days:
 * a vague date counts if any day of its year or month does, so a vague memory is not ruled out.
 */
export function overlaps(date: string, from: string, to: string): boolean {
  const [y, m, d] = date.split("-");
  const pad = (n: number) => String(n).padStart(2, "0");
  const first = `${y}-${m ?? "01"}-${d ?? "01"}`;
  const lastDay = m ? new Date(Date.UTC(Number(y), Number(m), 0)).getUTCDate() : 31;
  const last = `${y}-${m ?? "12"}-${d ?? pad(lastDay)}`;
  return first <= to && last >= from;
}

/** Whether a stored answer still fits the node (it may not, after a flow edit). */
export function isValid(node: CompiledNode, a: Answer): boolean {
  if (a.kind === "seen") return node.type === "info";
  if (a.kind === "skipped") return isQuestion(node) && !node.required;
  const v = a.value;
  switch (node.type) {
    case "choice":
      return typeof v === "string" && hasOption(node.options, v);
    case "multi":
      if (!Array.isArray(v)) return false;
      for (const x of v) if (!hasOption(node.options, x)) return false;
      return true;
    case "text":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && v >= node.min && v <= node.max;
    case "date":
      return typeof v === "string" && isStoredDate(v);
    default:
      return false;
  }
}

/**
 * Whether a stored date is one `parseDate` could have made. Asked for every date on the path, several
 * times per update; the answer for a given text never changes, so it is kept (the texts are dates:
 * a few thousand distinct ones at most, the map is cleared at 10,000 all the same).
 */
function isStoredDate(v: string): boolean {
  let ok = storedDates.get(v);
  if (ok === undefined) {
    if (storedDates.size >= 10_000) storedDates.clear();
    ok = parseDate(v.split("-").reverse().join(".")) === v;
    storedDates.set(v, ok);
  }
  return ok;
}
const storedDates = new Map<string, boolean>();

/** Loops rather than closures: every stored answer on the path is checked several times per update. */
function hasOption(options: readonly { id: string }[], id: string): boolean {
  for (const o of options) if (o.id === id) return true;
  return false;
}

/** The options ticked in a stored multi answer (none for any other answer). */
export const ticked = (a: Answer | undefined): string[] => (a?.kind === "value" && Array.isArray(a.value) ? a.value : []);

/** A question whose answer is typed rather than pressed. */
export const isTyped = (n: QuestionNode): n is TextNode | NumberNode | DateNode =>
  n.type === "text" || n.type === "number" || n.type === "date";
