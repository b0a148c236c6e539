/**
 * What a person sees of a node: the question's text in the right context, its buttons (with the
 * step they were drawn at, so old keyboards are recognised), the answer already given, the hint
 * for typed answers, and "question N of about M". Messages are i18n keys; the bot translates.
 */
import type { Msg } from "../i18n/translate.js";
import { type Answer, isTyped, ticked } from "./answers.js";
import { type ButtonAction, encodeButton } from "./codec.js";
import { holds } from "./conditions.js";
import type { Button, InterviewState, QuestionView, Say } from "./state.js";

export type { Button, QuestionView } from "./state.js";

import { successors } from "./graph.js";
import { type CompiledNode, type FlowSet, isQuestion, isResult, nodeAt, optionsOf } from "./model.js";
import { walk } from "./path.js";

/** The context (e.g. "family") that person-related texts use, from the options chosen so far. */
export function contextOf(set: FlowSet, answers: Readonly<Record<string, Answer>>): string | undefined {
  for (const [ref, a] of Object.entries(answers)) {
    const node = set.nodes.get(ref);
    if (a.kind !== "value" || !node) continue;
    const ctx = optionsOf(node).find((o) => o.id === a.value)?.context;
    if (ctx) return ctx;
  }
  return undefined;
}

/** How an answer reads back to the person ("Your answer: …", the summary). */
export function answerMsg(node: CompiledNode, a: Answer): Msg {
  if (a.kind === "skipped") return { key: "common:answer.skipped" };
  if (a.kind === "seen") return { key: "common:answer.seen" };
  const v = a.value;
  const label = (id: string): Msg => ({ key: optionsOf(node).find((o) => o.id === id)?.labelKey ?? "common:answer.none" });
  if (node.type === "choice" && typeof v === "string") return label(v);
  if (node.type === "multi" && Array.isArray(v)) {
    if (v.length === 0) return { key: "common:answer.none" };
    return { key: "common:answer.list", params: { items: v.map(label) } };
  }
  return { key: "common:answer.value", params: { value: String(v) } };
}

/** A node's text, in the context (e.g. "family") that the answers so far call for. */
export function questionMsg(set: FlowSet, node: CompiledNode, answers: Readonly<Record<string, Answer>>): Msg {
  const context = node.aboutPerson ? contextOf(set, answers) : undefined;
  return { key: node.textKey, ...(context ? { context } : {}) };
}

/** The question for the current node, with its buttons. */
export function ask(set: FlowSet, s: InterviewState, refresh: boolean): Say {
  return { kind: "question", view: questionView(set, s, refresh) };
}

function questionView(set: FlowSet, s: InterviewState, refresh: boolean): QuestionView {
  const node = nodeAt(set, s.node);
  const btn = (label: Msg, action: ButtonAction, checked?: boolean): Button => ({
    label,
    data: encodeButton(action, s.step),
    ...(checked === undefined ? {} : { checked }),
  });
  const existing = s.answers[node.ref];
  const buttons: Button[][] = [];
  if (node.type === "choice") {
    const chosen = existing?.kind === "value" ? existing.value : undefined;
    for (const o of node.options)
      buttons.push([btn({ key: o.labelKey }, { type: "choose", option: o.id }, o.id === chosen ? true : undefined)]);
  } else if (node.type === "multi") {
    const ticks = s.draft ?? ticked(existing);
    for (const o of node.options) buttons.push([btn({ key: o.labelKey }, { type: "toggle", option: o.id }, ticks.includes(o.id))]);
    buttons.push([btn({ key: "common:buttons.done" }, { type: "done" })]);
  } else if (node.type === "info") {
    buttons.push([btn({ key: "common:buttons.continue" }, { type: "done" })]);
  }
  const final = node.type === "end" && node.final;
  const hasPath = walk(set, s.answers, s.node).path.length > 0 && !final;
  const nav: Button[] = [];
  if (hasPath) nav.push(btn({ key: "common:buttons.back" }, { type: "back" }));
  if (isQuestion(node) && !node.required) nav.push(btn({ key: "common:buttons.skip" }, { type: "skip" }));
  if (existing && isQuestion(node)) nav.push(btn({ key: "common:buttons.keep" }, { type: "keep" }));
  if (nav.length) buttons.push(nav);
  if (node.type !== "end") buttons.push([btn({ key: "common:buttons.pause" }, { type: "pause" })]);

  const view: QuestionView = { ref: node.ref, type: node.type, text: questionMsg(set, node, s.answers), buttons, refresh };
  const help = node.help?.find((h) => !h.if || holds(h.if, s.answers));
  if (help) view.help = { key: help.key };
  if (existing && isQuestion(node) && !refresh)
    view.current = { key: "common:answer.current", params: { answer: answerMsg(node, existing) } };
  if (isQuestion(node) && isTyped(node)) {
    view.expects = node.type;
    view.hint = { key: `common:expects.${node.type}` };
  } else if (node.type === "multi") {
    view.hint = { key: "common:multi_hint" };
  }
  if (isQuestion(node)) view.progress = progress(set, s);
  if (isResult(node)) view.result = true;
  if (node.type === "choice" && node.review) view.review = true;
  return view;
}

const remainingCache = new WeakMap<FlowSet, Map<string, number>>();

/** "Question 3 of about 9": questions answered on the path, plus the longest way still ahead. */
export function progress(set: FlowSet, s: InterviewState): { at: number; of: number } {
  const path = walk(set, s.answers, s.node).path;
  const at = path.filter((ref) => isQuestion(nodeAt(set, ref))).length + 1;
  let memo = remainingCache.get(set);
  if (!memo) {
    memo = new Map();
    remainingCache.set(set, memo);
  }
  const cache = memo;
  const remaining = (ref: string): number => {
    const hit = cache.get(ref);
    if (hit !== undefined) return hit;
    const node = nodeAt(set, ref);
    const value = (isQuestion(node) ? 1 : 0) + Math.max(0, ...successors(node).map(remaining));
    cache.set(ref, value);
    return value;
  };
  return { at, of: at - 1 + remaining(s.node) };
}
