/**
 * Bringing a stored interview in line with the flows as they are now: after a flow edit, answers
 * that no longer fit are dropped and the person resumes at the first open question on the path.
 */
import { type Answer, isValid } from "./answers.js";
import { type FlowSet, nodeAt } from "./model.js";
import { prune, walk } from "./path.js";
import type { InterviewState } from "./state.js";

/**
 * When a flow's version changed, or the stored node is gone, answers that no longer fit are
 * dropped and the interview resumes at the first unanswered node still on the path ("changed");
 * if none of the earlier answers survive, the person is told the questionnaire changed and starts
 * again ("reset").
 */
export function reconcile(set: FlowSet, state: InterviewState): { state: InterviewState; notice?: "changed" | "reset" } {
  const versionsMatch = Object.entries(state.versions).every(([f, v]) => set.flows.get(f)?.version === v);
  const nodeKnown = set.nodes.has(state.node);
  if (versionsMatch && nodeKnown && walk(set, state.answers, state.node).at === state.node) return { state };

  const had = Object.keys(state.answers).length;
  const fitting: Record<string, Answer> = {};
  for (const [ref, a] of Object.entries(state.answers)) {
    const n = set.nodes.get(ref);
    if (n && isValid(n, a)) fitting[ref] = a;
  }
  const answers = prune(set, fitting);
  const kept = Object.keys(answers);
  const versions: Record<string, number> = {};
  for (const ref of kept) {
    const flow = set.flows.get(nodeAt(set, ref).flow);
    if (flow) versions[flow.id] = flow.version;
  }
  const at = walk(set, answers).at;
  const next: InterviewState = { node: at, answers, versions, step: state.step + 1 };
  if (versionsMatch && nodeKnown) return { state: next }; // only the pointer was off: fix silently
  return { state: next, notice: had > 0 && kept.length === 0 ? "reset" : "changed" };
}
