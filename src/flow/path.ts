/**
 * The path a person took, recomputed from the answers: it is never stored. Walking from the entry
 * and following the answers gives the answered nodes in order and the node the person is at;
 * answers of nodes no longer on the path (an abandoned branch) are pruned.
 */
import type { Answer } from "./answers.js";
import { isValid } from "./answers.js";
import { holds } from "./conditions.js";
import { successors } from "./graph.js";
import { type CompiledNode, type FlowSet, nodeAt } from "./model.js";

/** Route nodes only branch: pass through them to the first node a person sees. */
export function settle(set: FlowSet, ref: string, answers: Readonly<Record<string, Answer>>): string {
  let at = ref;
  for (let guard = 0; guard <= set.nodes.size; guard++) {
    const node = nodeAt(set, at);
    if (node.type !== "route") return at;
    at = nextOf(node, answers);
  }
  return at;
}

/**
 * Follow the answers from the entry node. Stops at `stopAt`, at an end node, or at the first node
 * without a (valid) answer; `path` lists the answered nodes passed on the way.
 */
export function walk(set: FlowSet, answers: Readonly<Record<string, Answer>>, stopAt?: string): { path: string[]; at: string } {
  const path: string[] = [];
  let ref = set.entry;
  for (let guard = 0; guard <= set.nodes.size; guard++) {
    const node = nodeAt(set, ref);
    if (node.type === "route") {
      ref = nextOf(node, answers);
      continue;
    }
    const a = answers[ref];
    if (ref === stopAt || node.type === "end" || !a || !isValid(node, a)) return { path, at: ref };
    path.push(ref);
    ref = nextOf(node, answers);
  }
  return { path, at: ref };
}

/**
 * Whether any answered node lies before `stopAt` on the path (is there anything to go back to):
 * `walk(set, answers, stopAt).path.length > 0`, without walking past the first node a person sees.
 */
export function hasAnsweredBefore(set: FlowSet, answers: Readonly<Record<string, Answer>>, stopAt: string): boolean {
  const first = settle(set, set.entry, answers);
  const node = nodeAt(set, first);
  const a = answers[first];
  return first !== stopAt && node.type !== "end" && a !== undefined && isValid(node, a);
}

/** Where a node leads, given the answers so far. */
export function nextOf(node: CompiledNode, answers: Readonly<Record<string, Answer>>): string {
  const a = answers[node.ref];
  if (node.type === "choice" && a?.kind === "value") {
    // A loop, not find(): this runs for every node of the path, several times per update.
    for (const o of node.options) {
      if (o.id !== a.value) continue;
      if (o.next) return o.next;
      break;
    }
  }
  for (const r of node.next) if (!r.if || holds(r.if, answers)) return r.goto;
  // Unreachable for a validated flow (the last rule has no `if`); stay put rather than crash.
  return node.ref;
}

/**
 * Drop the answers of abandoned branches. An answer is kept if its node is on the path the answers
 * lead along, or still lies ahead of where that path stops (it may come back into use once the
 * open question is answered: a newly inserted question must not cost the answers after it).
 */
export function prune(set: FlowSet, answers: Readonly<Record<string, Answer>>): Record<string, Answer> {
  const { path, at } = walk(set, answers);
  const ahead = reachable(set, at);
  const kept: Record<string, Answer> = {};
  for (const [ref, a] of Object.entries(answers)) if (path.includes(ref) || (ref !== at && ahead.has(ref))) kept[ref] = a;
  return kept;
}

const reachCache = new WeakMap<FlowSet, Map<string, ReadonlySet<string>>>();

/** Every node that can still be reached from `ref` (itself included); flows are loop-free. */
export function reachable(set: FlowSet, ref: string): ReadonlySet<string> {
  let memo = reachCache.get(set);
  if (!memo) {
    memo = new Map();
    reachCache.set(set, memo);
  }
  const hit = memo.get(ref);
  if (hit) return hit;
  const out = new Set<string>([ref]);
  for (const s of successors(nodeAt(set, ref))) for (const r of reachable(set, s)) out.add(r);
  memo.set(ref, out);
  return out;
}
