/**
 * What a person sees of a node: the question's text in the right context, its buttons (with the
 * step they were drawn at, so old keyboards are recognised), the answer already given, the hint
 * for typed answers, and "question N of about M". Messages are i18n keys; the bot translates.
 */
import { localDate, type Msg } from "../i18n/translate.js";
import { type Answer, isTyped, ticked } from "./answers.js";
import { type ButtonAction, encodeButton } from "./codec.js";
import { holds } from "./conditions.js";
import type { Button, InterviewState, QuestionView, Say } from "./state.js";

export type { Button, QuestionView } from "./state.js";

import { successors } from "./graph.js";
import { type CompiledNode, type FlowSet, isQuestion, isResult, nodeAt, optionsOf } from "./model.js";
import { hasAnsweredBefore } from "./path.js";

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
  // A date is stored as ISO (2025-03-15, or 2025-03, 2025) and shown as people write it: 15.03.2025.
  if (node.type === "date" && typeof v === "string") return { key: "common:answer.date", params: { date: localDate(v) } };
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
  const hasPath = !final && hasAnsweredBefore(set, s.answers, s.node);
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
  } else if (node.type === "multi" && !Object.keys(s.answers).some((ref) => set.nodes.get(ref)?.type === "multi")) {
    // "Choose all that apply, then press Done" is said once: on the first multi-choice question.
    view.hint = { key: "common:multi_hint" };
  }
  if (node.type !== "end" && !isResult(node)) view.progress = progress(set, s);
  if (isResult(node)) view.result = true;
  if (node.type === "choice" && node.review) view.review = true;
  if (node.type === "info" && node.danger) view.danger = true;
  return view;
}

const partsCache = new WeakMap<FlowSet, string[]>();

/**
 * The flows in the order a person meets them (breadth-first from the entry): the interview's parts.
 * Each flow is one part, named by its `<flow>:part` text.
 */
export function partsOf(set: FlowSet): string[] {
  const hit = partsCache.get(set);
  if (hit) return hit;
  const order: string[] = [];
  const seen = new Set([set.entry]);
  const queue = [set.entry];
  for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
    const node = nodeAt(set, ref);
    if (!order.includes(node.flow)) order.push(node.flow);
    for (const next of successors(node))
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
  }
  partsCache.set(set, order);
  return order;
}

/**
 * "Part 2 of 4 · The case". A count of questions ahead swung from 30 to 14 as answers closed
 * branches (the longest way ahead shrinks with every choice, and is far from the real one at the
 * start); the parts never change, so the person can trust them. Intro screens show it too.
 */
export function progress(set: FlowSet, s: InterviewState): Msg {
  const parts = partsOf(set);
  const flow = nodeAt(set, s.node).flow;
  return { key: "common:progress", params: { at: parts.indexOf(flow) + 1, of: parts.length, part: { key: `${flow}:part` } } };
}
