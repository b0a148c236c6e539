/**
 * Graph checks over a compiled flow set: targets exist, conditions name real questions and options,
 * every node is reachable, every node can reach an end, there are no cycles (an interview must
 * always finish), and every button fits Telegram's 64-byte callback data.
 */
import { longestCallbackData } from "./codec.js";
import { type Leaf, leaves } from "./conditions.js";
import { type CompiledNode, didYouMean, type FlowSet, isQuestion, nodeAt, optionsOf, type Problem } from "./model.js";
import type { Condition } from "./schema.js";

/** Every node a node can lead to, in a stable order. */
export function successors(node: CompiledNode): string[] {
  const out = new Set<string>();
  for (const o of optionsOf(node)) if (o.next) out.add(o.next);
  for (const r of node.next) out.add(r.goto);
  return [...out];
}

/**
 * `failed`: flows whose file could not be read or validated. Their nodes are not in the set, so a
 * jump or a condition into them is not reported, and neither are reachability and ends (a path
 * may run through them); everything else is still checked.
 */
export function graphProblems(set: FlowSet, failed: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  const at = (n: CompiledNode, where: string, message: string) => problems.push({ file: n.file, where: `nodes.${n.id}${where}`, message });
  const unknown = (ref: string) => !set.nodes.has(ref) && !failed.includes(ref.split("/")[0] ?? "");
  const missing = (ref: string) => `goes to "${ref}", which does not exist${didYouMean(ref, set.nodes.keys())}`;

  for (const n of set.nodes.values()) {
    for (const [i, o] of optionsOf(n).entries()) {
      if (o.next && unknown(o.next)) at(n, `.options.${i}.next`, missing(o.next));
    }
    for (const [i, r] of n.next.entries()) {
      if (unknown(r.goto)) at(n, `.next${n.next.length > 1 ? `.${i}` : ""}`, missing(r.goto));
      if (r.if) for (const msg of conditionProblems(set, r.if, failed)) at(n, `.next.${i}.if`, msg);
    }
    for (const [i, h] of (n.help ?? []).entries())
      if (h.if) for (const msg of conditionProblems(set, h.if, failed)) at(n, `.help.${i}.if`, msg);
    if (n.type === "choice" && n.next.length === 0) {
      const lost = n.options.filter((o) => !o.next).map((o) => o.id);
      if (lost.length) at(n, ".next", `options ${lost.join(", ")} have no next and the node has none either`);
      if (!n.required) at(n, ".next", "a question that can be skipped needs a node-level next (used when it is skipped)");
    }
    if (n.type !== "end" && successors(n).length === 0) at(n, "", "leads nowhere: add a next");
    const longest = longestCallbackData(n);
    if (Buffer.byteLength(longest) > 64)
      at(n, "", `a button's callback data would be ${Buffer.byteLength(longest)} bytes; Telegram allows 64`);
  }
  if (problems.length || failed.length || !set.nodes.has(set.entry)) return problems;

  // Reachability from the entry, and the ability to reach an end.
  const reached = new Set<string>([set.entry]);
  const queue = [set.entry];
  for (let ref = queue.pop(); ref !== undefined; ref = queue.pop()) {
    for (const s of successors(nodeAt(set, ref))) {
      if (!reached.has(s)) {
        reached.add(s);
        queue.push(s);
      }
    }
  }
  const canEnd = new Set<string>([...set.nodes.values()].filter((n) => n.type === "end").map((n) => n.ref));
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of set.nodes.values()) {
      if (!canEnd.has(n.ref) && successors(n).some((s) => canEnd.has(s))) {
        canEnd.add(n.ref);
        changed = true;
      }
    }
  }
  for (const n of set.nodes.values()) {
    if (!reached.has(n.ref)) at(n, "", "cannot be reached from the start of the interview");
    if (!canEnd.has(n.ref)) at(n, "", "cannot reach an end node: a person would be trapped here");
  }
  const cycle = findCycle(set);
  if (cycle) {
    const first = nodeAt(set, cycle[0] ?? set.entry);
    at(first, "", `is part of a loop (${cycle.join(" → ")}); an interview must always move forward`);
  }
  return problems;
}

/** What is wrong with a condition's questions and option ids (a question in a `failed` flow is not judged). */
export const conditionProblems = (set: FlowSet, c: Condition, failed: readonly string[] = []): string[] => [
  ...new Set(leaves(c).flatMap((l) => (failed.includes(l.answer.split("/")[0] ?? "") ? [] : leafProblems(set, l)))),
];

function leafProblems(set: FlowSet, c: Leaf): string[] {
  const q = set.nodes.get(c.answer);
  if (!q)
    return [
      `the condition asks about "${c.answer}", which does not exist${didYouMean(
        c.answer,
        [...set.nodes.values()].filter(isQuestion).map((n) => n.ref),
      )}`,
    ];
  if (!isQuestion(q)) return [`the condition asks about "${c.answer}", which is not a question`];
  const known = new Set(optionsOf(q).map((o) => o.id));
  const values = "is" in c ? [c.is] : "in" in c ? c.in : "includes" in c ? [c.includes] : [];
  const out: string[] = [];
  if (("is" in c || "in" in c) && q.type !== "choice") out.push(`"is"/"in" need a choice question, "${c.answer}" is ${q.type}`);
  if ("includes" in c && q.type !== "multi") out.push(`"includes" needs a multi question, "${c.answer}" is ${q.type}`);
  if (("gte" in c || "lte" in c) && q.type !== "number") out.push(`"gte"/"lte" need a number question, "${c.answer}" is ${q.type}`);
  if ("during" in c && q.type !== "date") out.push(`"during" needs a date question, "${c.answer}" is ${q.type}`);
  if ("mentions" in c && q.type !== "text") out.push(`"mentions" needs a text question, "${c.answer}" is ${q.type}`);
  for (const v of values) if (!known.has(v)) out.push(`"${c.answer}" has no option "${v}"${didYouMean(v, known)}`);
  return out;
}

/** A loop in the graph, as a list of refs, or undefined. */
function findCycle(set: FlowSet): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (ref: string): string[] | undefined => {
    state.set(ref, 1);
    stack.push(ref);
    for (const s of successors(nodeAt(set, ref))) {
      if (state.get(s) === 1) return [...stack.slice(stack.indexOf(s)), s];
      if (!state.has(s)) {
        const found = visit(s);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(ref, 2);
    return undefined;
  };
  for (const ref of set.nodes.keys()) {
    if (!state.has(ref)) {
      const found = visit(ref);
      if (found) return found;
    }
  }
  return undefined;
}
