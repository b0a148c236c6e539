/**
 * The compiled form of the flows: what the engine walks. Targets are qualified (`flow/node`) and
 * text keys resolved, so the engine never has to know file names or key conventions.
 */
import type { Condition, FlowRole, NodeAction, NodeRole } from "./schema.js";

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

/** A help text under a question: the first whose condition holds is shown. */
export interface HelpText {
  key: string;
  if?: Condition;
}

/** What every compiled node has, whatever its type. */
interface NodeBase {
  /** `flow/node`: the id used in answers, paths and callback data. */
  ref: string;
  flow: string;
  id: string;
  /** The file the node came from, for error messages. */
  file: string;
  textKey: string;
  aboutPerson: boolean;
  /** What the code relies on this node for (`role:` in the flow file), so no code names a node id. */
  role?: NodeRole;
  /** Never echoed; the person's typed answer is erased once taken. */
  sensitive: boolean;
  help?: HelpText[];
  next: CompiledRule[];
}

interface QuestionBase extends NodeBase {
  /** No "Skip" button. */
  required: boolean;
}

export interface InfoNode extends NodeBase {
  type: "info";
  /** Lists the help contacts of the person's country under `{{help}}`. */
  danger: boolean;
}
export interface RouteNode extends NodeBase {
  type: "route";
}
export interface EndNode extends NodeBase {
  type: "end";
  /** Show the summary and the cards that apply. */
  result: boolean;
  /** No way back. */
  final: boolean;
  /** What the bot does on arrival. */
  action?: NodeAction;
}
export interface ChoiceNode extends QuestionBase {
  type: "choice";
  options: CompiledOption[];
  /** Show the summary and the cards that apply. */
  result: boolean;
  /** List every answer with a "change" button. */
  review: boolean;
}
export interface MultiNode extends QuestionBase {
  type: "multi";
  options: CompiledOption[];
  /** Listed in the result's needs summary under this key. */
  summaryKey?: string;
}
export interface TextNode extends QuestionBase {
  type: "text";
  maxLength: number;
}
export interface NumberNode extends QuestionBase {
  type: "number";
  min: number;
  max: number;
}
export interface DateNode extends QuestionBase {
  type: "date";
  allowFuture: boolean;
}

/** A compiled node: a tagged union like the schema, so each type carries exactly its own fields. */
export type CompiledNode = InfoNode | RouteNode | EndNode | ChoiceNode | MultiNode | TextNode | NumberNode | DateNode;
/** A node a person answers (or skips). */
export type QuestionNode = ChoiceNode | MultiNode | TextNode | NumberNode | DateNode;

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
  /** The node that has each role (`role:` in the flow files). */
  roles: ReadonlyMap<NodeRole, string>;
  /** The flow that has each role. */
  flowRoles: ReadonlyMap<FlowRole, string>;
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

/** The problems without repeats (the same message for the same place is told once), in their order. */
export function uniqueProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate a typo most likely meant: the nearest by edit distance, if it is near enough and
 * no other candidate is as near. "Near enough" is judged from the first part (between "/", "." or
 * ":") in which they differ: at most a third of the rest, at most 4 edits. So `intake/consnet`
 * suggests `intake/consent`, and `intake/land` does not suggest `intake/who`.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const c of candidates) {
    if (c === word) continue;
    let shared = 0;
    while (shared < word.length && word[shared] === c[shared]) shared++;
    const from = Math.max(...["/", ".", ":"].map((sep) => word.lastIndexOf(sep, shared - 1))) + 1;
    const limit = Math.min(4, Math.max(1, Math.floor((word.length - from) / 3)));
    const d = levenshtein(word.slice(from), c.slice(from));
    if (d > limit) continue;
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance && c !== best) tie = true;
  }
  return tie ? undefined : best;
}

/** `; did you mean "x"?` for the nearest candidate, or nothing. */
export const didYouMean = (word: string, candidates: Iterable<string>): string => {
  const n = nearest(word, candidates);
  return n === undefined ? "" : `; did you mean "${n}"?`;
};

export class FlowProblems extends Error {
  constructor(readonly problems: Problem[]) {
    // Flows, locales and the partners file share this error: the header names no single one.
    super(`Qadam's data files have ${problems.length} problem(s):\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
    this.name = "FlowProblems";
  }
}

export const isQuestion = (n: CompiledNode): n is QuestionNode => "required" in n;

/** The options of a choice or multi question; none for any other node. */
export const optionsOf = (n: CompiledNode): readonly CompiledOption[] => (n.type === "choice" || n.type === "multi" ? n.options : []);

/** Nodes that show the summary and the rights cards. */
export const isResult = (n: CompiledNode): boolean => (n.type === "choice" || n.type === "end") && n.result;

/**
 * The node at `ref`. Every ref the engine handles comes from the compiled set (the entry, a
 * validated target, a path), so a miss is a bug in Qadam, not bad input: it throws.
 */
export function nodeAt(set: FlowSet, ref: string): CompiledNode {
  const node = set.nodes.get(ref);
  if (!node) throw new Error(`no node "${ref}" in the flows`);
  return node;
}

/** The node that has this role (the loader checked that it exists exactly once). */
export function refOf(set: FlowSet, role: NodeRole): string {
  const ref = set.roles.get(role);
  if (!ref) throw new Error(`no node has the role "${role}"`);
  return ref;
}

/** The flow that has this role. */
export function flowOf(set: FlowSet, role: FlowRole): CompiledFlow {
  const id = set.flowRoles.get(role);
  const flow = id === undefined ? undefined : set.flows.get(id);
  if (!flow) throw new Error(`no flow has the role "${role}"`);
  return flow;
}

/** Qualify a target written inside `flow`: `node` → `flow/node`, `other/node` stays. */
export const qualify = (flow: string, t: string): string => (t.includes("/") ? t : `${flow}/${t}`);
