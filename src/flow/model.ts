/**
 * The compiled form of the flows: what the engine walks. Targets are qualified (`flow/node`) and
 * text keys resolved, so the engine never has to know file names or key conventions.
 */
import type { Condition, NodeType } from "./schema.js";

export interface CompiledOption {
  id: string;
  labelKey: string;
  /** Qualified target; absent means the node's own `next`. */
  next?: string;
  context?: string;
  exclusive?: boolean;
}

export interface CompiledRule {
  if?: Condition;
  goto: string;
}

export interface CompiledNode {
  /** `flow/node`: the id used in answers, paths and callback data. */
  ref: string;
  flow: string;
  id: string;
  /** The file the node came from, for error messages. */
  file: string;
  type: NodeType;
  textKey: string;
  /** Help texts, the first whose condition holds is shown (one without a condition always holds). */
  help?: { key: string; if?: Condition }[];
  required: boolean;
  aboutPerson: boolean;
  options: CompiledOption[];
  next: CompiledRule[];
  maxLength?: number;
  min?: number;
  max?: number;
  allowFuture?: boolean;
  /** Multi nodes: listed in the result's needs summary under `summaryKey`. */
  summaryKey?: string;
  /** Show the summary and the cards that apply. */
  result?: boolean;
  /** Choice nodes: list every answer with a "change" button. */
  review?: boolean;
  /** End nodes: no way back. */
  final?: boolean;
  /** End nodes: what the bot does on arrival. */
  action?: "send_referral";
}

export interface CompiledFlow {
  id: string;
  version: number;
  file: string;
  start: string;
}

export interface FlowSet {
  /** Qualified start node of the entry flow. */
  entry: string;
  flows: ReadonlyMap<string, CompiledFlow>;
  nodes: ReadonlyMap<string, CompiledNode>;
  /** Every i18next context an option can switch on (e.g. "family"). */
  contexts: readonly string[];
  /** Rights and remedies cards, in the order they are shown. */
  cards: readonly CompiledCard[];
  /** Kinds of case needed that no card stands for, by condition. */
  extraSpecialties?: Readonly<Record<string, Condition>>;
}

export interface CompiledCard {
  id: string;
  file: string;
  specialty?: string;
  titleKey: string;
  when?: Condition;
  /** A deadline that may be running: always (`true`) or where the condition holds. */
  deadline?: true | Condition;
  parts: { key: string; if?: Condition }[];
  cite: CompiledCite[];
}

export interface CompiledCite {
  source: string;
  url: string;
  labelKey: string;
  /** Article(s) cited, e.g. "38" or "417–419". */
  at?: string;
  if?: Condition;
  /** When the statements were checked against this source (YYYY-MM-DD). */
  checked: string;
  official: boolean;
  country?: "kz" | "uz";
}

/** One thing wrong with a flow, a locale or the partners file, named so an editor can find it. */
export interface Problem {
  file: string;
  where: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}${p.where ? ` › ${p.where}` : ""}: ${p.message}`;
}

export class FlowProblems extends Error {
  constructor(readonly problems: Problem[]) {
    // Flows, locales and the partners file share this error: the header names no single one.
    super(`Qadam's data files have ${problems.length} problem(s):\n${problems.map((p) => "  - " + formatProblem(p)).join("\n")}`);
    this.name = "FlowProblems";
  }
}

export const isQuestion = (n: CompiledNode): boolean => n.type !== "info" && n.type !== "end" && n.type !== "route";

/** Qualify a target written inside `flow`: `node` → `flow/node`, `other/node` stays. */
export const qualify = (flow: string, t: string): string => (t.includes("/") ? t : `${flow}/${t}`);
