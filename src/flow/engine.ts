/**
 * The interview engine: one pure function, {@link step}, turns (flows, state, input) into a new
 * state and a list of things to say. No Telegram, Redis or clock in here: the grammY layer and the
 * local chat render what it returns, and the caller passes today's date in with typed answers.
 *
 * The path a person took is never stored: it is recomputed by walking from the entry node and
 * following the answers. That makes two promises easy to keep:
 * - changing an earlier answer drops the answers of every node no longer on the path (answers
 *   from an abandoned branch never leak into the result), and keeps all the others;
 * - after a flow edit, the interview resumes at the first unanswered node still on the path.
 */
import { encodeButton, type ButtonAction, type Pressed } from "./codec.js";
import { successors } from "./graph.js";
import { resultView, type ResultView } from "../rights/evaluate.js";
import { type CompiledNode, type FlowSet, isQuestion } from "./model.js";
import type { Condition } from "./schema.js";

/** An answer as stored: a value, an explicit skip, or (for info nodes) "read". */
export type Answer =
  | { kind: "value"; value: string | number | string[] }
  | { kind: "skipped" }
  | { kind: "seen" };

/** What the session keeps of an interview. Small on purpose. */
export interface InterviewState {
  /** The current node, `flow/node`. */
  node: string;
  /** Answers by node ref. */
  answers: Record<string, Answer>;
  /** The version of each flow when its answers were given. */
  versions: Record<string, number>;
  /** Counts accepted changes; buttons carry it so that old keyboards are detected. */
  step: number;
  /** Options ticked so far on the current multi question, before "Done". */
  draft?: string[];
  /** An answer is being changed from a review screen: after it, go to the first open question. */
  resume?: boolean;
}

/** A message to translate: an i18n key and its parameters. Raw strings in params are user text. */
export interface Msg {
  key: string;
  /** Strings are user text (escaped when shown); lists are joined with commas. */
  params?: Record<string, string | number | Msg | Msg[]>;
  context?: string;
}

export interface Button {
  label: Msg;
  data: string;
  /** For options: whether it is ticked (multi) or the current answer (choice). */
  checked?: boolean;
}

export interface QuestionView {
  ref: string;
  type: CompiledNode["type"];
  text: Msg;
  help?: Msg;
  /** The answer already given to this node, when the person came back to it. */
  current?: Msg;
  /** The kind of typed answer expected, if any. */
  expects?: "text" | "number" | "date";
  hint?: Msg;
  progress?: { at: number; of: number };
  /** Rows of buttons. */
  buttons: Button[][];
  /** The same question drawn again after a tick: replace it rather than send a new one. */
  refresh: boolean;
  /** Nodes marked `result`: the needs summary and the cards that apply. */
  result?: ResultView;
  /** Nodes marked `review`: show every answer with a "change" button first. */
  review?: boolean;
}

export type Say =
  | { kind: "notice"; msg: Msg }
  | { kind: "question"; view: QuestionView }
  /** Confirms the answer just given, so the previous question can be closed with it. */
  | { kind: "answered"; ref: string; question: Msg; answer: Msg };

export type Input =
  | Pressed
  | { type: "text"; text: string; today: string }
  /** Show where the person is (after /start, a resume, a language change). */
  | { type: "current" }
  /** `/back`: like the button, but without a step (a command is never stale). */
  | { type: "back_command" };

export interface StepResult {
  state: InterviewState;
  say: Say[];
}

/** A fresh interview at the entry node. */
export function startState(set: FlowSet): InterviewState {
  return { node: settle(set, set.entry, {}), answers: {}, versions: {}, step: 0 };
}

/** Route nodes only branch: pass through them to the first node a person sees. */
function settle(set: FlowSet, ref: string, answers: Record<string, Answer>): string {
  for (let guard = 0; guard <= set.nodes.size; guard++) {
    const node = set.nodes.get(ref)!;
    if (node.type !== "route") return ref;
    ref = nextOf(node, answers);
  }
  return ref;
}

/** The heart of the engine: apply one input. Never throws on bad input; it says why instead. */
export function step(set: FlowSet, state: InterviewState, input: Input): StepResult {
  const { state: s, notice } = reconcile(set, state);
  const say: Say[] = notice ? [{ kind: "notice", msg: { key: `common:notice.${notice}` } }] : [];
  const node = set.nodes.get(s.node)!;

  if ("step" in input && input.step !== s.step) {
    return { state: s, say: [...say, { kind: "notice", msg: { key: "common:notice.stale" } }, ask(set, s, false)] };
  }
  const again = (key: string, params?: Msg["params"]): StepResult => ({
    state: s,
    say: [...say, { kind: "notice", msg: { key, ...(params ? { params } : {}) } }, ask(set, s, false)],
  });

  switch (input.type) {
    case "current":
      return { state: s, say: [...say, ask(set, s, false)] };
    case "pause":
      return { state: s, say: [...say, { kind: "notice", msg: { key: "common:pause" } }] };
    case "back":
    case "back_command": {
      const path = walk(set, s.answers, s.node).path;
      const prev = path[path.length - 1];
      if (!prev || node.final) return { state: s, say: [...say, ask(set, s, false)] };
      const next = { ...s, node: prev, step: s.step + 1 };
      delete next.draft;
      delete next.resume;
      return { state: next, say: [...say, ask(set, next, false)] };
    }
    case "edit":
    case "revise": {
      if (!walk(set, s.answers).path.includes(input.ref)) return again("common:notice.stale");
      const next: InterviewState = { ...s, node: input.ref, step: s.step + 1 };
      delete next.draft;
      if (input.type === "revise") next.resume = true;
      else delete next.resume;
      return { state: next, say: [...say, ask(set, next, false)] };
    }
    case "keep": {
      const a = s.answers[s.node];
      if (!a) return again("common:notice.stale");
      return advance(set, s, node, a, say);
    }
    case "skip":
      if (node.required || !isQuestion(node)) return again("common:notice.use_buttons_required");
      return advance(set, s, node, { kind: "skipped" }, say);
    case "choose": {
      if (node.type !== "choice" || !node.options.some((o) => o.id === input.option)) return again("common:notice.stale");
      return advance(set, s, node, { kind: "value", value: input.option }, say);
    }
    case "toggle": {
      const opt = node.options.find((o) => o.id === input.option);
      if (node.type !== "multi" || !opt) return again("common:notice.stale");
      const before = s.draft ?? currentList(s.answers[s.node]);
      let draft = before.includes(opt.id) ? before.filter((x) => x !== opt.id) : [...before, opt.id];
      if (!before.includes(opt.id)) {
        const exclusive = new Set(node.options.filter((o) => o.exclusive).map((o) => o.id));
        draft = opt.exclusive ? [opt.id] : draft.filter((x) => !exclusive.has(x));
      }
      const order = node.options.map((o) => o.id);
      const next = { ...s, draft: order.filter((id) => draft.includes(id)), step: s.step + 1 };
      return { state: next, say: [...say, ask(set, next, true)] };
    }
    case "done": {
      if (node.type === "info") return advance(set, s, node, { kind: "seen" }, say);
      if (node.type === "multi") {
        return advance(set, s, node, { kind: "value", value: s.draft ?? currentList(s.answers[s.node]) }, say);
      }
      return again("common:notice.stale");
    }
    case "text":
      return typed(set, s, node, input.text, input.today, say, again);
  }
}

function typed(
  set: FlowSet,
  s: InterviewState,
  node: CompiledNode,
  raw: string,
  today: string,
  say: Say[],
  again: (key: string, params?: Msg["params"]) => StepResult,
): StepResult {
  const text = raw.trim();
  switch (node.type) {
    case "text":
      if (!text) return again("common:errors.text_empty");
      if (text.length > node.maxLength!) return again("common:errors.text_too_long", { max: node.maxLength! });
      return advance(set, s, node, { kind: "value", value: text }, say);
    case "number": {
      const n = /^[+]?\d[\d\s]*$/.test(text) ? Number(text.replace(/\s/g, "")) : NaN;
      if (!Number.isSafeInteger(n) || n < node.min! || n > node.max!) {
        return again("common:errors.number", { min: node.min!, max: node.max! });
      }
      return advance(set, s, node, { kind: "value", value: n }, say);
    }
    case "date": {
      const d = parseDate(text);
      if (!d) return again("common:errors.date");
      if (!node.allowFuture && d > today.slice(0, d.length)) return again("common:errors.date_future");
      return advance(set, s, node, { kind: "value", value: d }, say);
    }
    case "end":
      return { state: s, say: [...say, { kind: "notice", msg: { key: "common:notice.finished" } }] };
    default:
      // Only a question has a "Skip" button to point to.
      return again(node.required || !isQuestion(node) ? "common:notice.use_buttons_required" : "common:notice.use_buttons");
  }
}

/**
 * Dates as people type them: 15.03.2024, 15/03/2024, 2024-03-15, 03.2024 or 2024. Stored as ISO
 * text at the precision given (`2024-03-15`, `2024-03`, `2024`), so a vague memory stays vague.
 */
export function parseDate(text: string): string | undefined {
  const t = text.trim();
  let y: number, m: number | undefined, d: number | undefined;
  let match: RegExpExecArray | null;
  if ((match = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(t))) [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t))) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})[./-](\d{4})$/.exec(t))) [m, y] = [Number(match[1]), Number(match[2])];
  else if ((match = /^(\d{4})$/.exec(t))) y = Number(match[1]);
  else return undefined;
  if (y < 1900 || y > 2999) return undefined;
  if (m !== undefined && (m < 1 || m > 12)) return undefined;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (m === undefined) return String(y);
  if (d === undefined) return `${y}-${pad(m)}`;
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return undefined;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/** Record an answer, drop what the new path no longer passes through, and move on. */
function advance(set: FlowSet, s: InterviewState, node: CompiledNode, answer: Answer, say: Say[]): StepResult {
  const answers = prune(set, { ...s.answers, [node.ref]: answer });
  const flowVersion = set.flows.get(node.flow)!.version;
  // Changing an answer from the review screen skips what is already answered, back to the review.
  const target = s.resume ? walk(set, answers).at : settle(set, nextOf(node, answers), answers);
  const next: InterviewState = {
    node: target,
    answers,
    versions: { ...s.versions, [node.flow]: flowVersion },
    step: s.step + 1,
  };
  if (s.resume && !set.nodes.get(target)!.review) next.resume = true;
  const out: Say[] = [...say];
  if (isQuestion(node)) out.push({ kind: "answered", ref: node.ref, question: questionMsg(set, node, s.answers), answer: answerMsg(set, node, answer) });
  out.push(ask(set, next, false));
  return { state: next, say: out };
}

/**
 * Drop the answers of abandoned branches. An answer is kept if its node is on the path the answers
 * lead along, or still lies ahead of where that path stops (it may come back into use once the
 * open question is answered: a newly inserted question must not cost the answers after it).
 */
export function prune(set: FlowSet, answers: Record<string, Answer>): Record<string, Answer> {
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
  if (!memo) reachCache.set(set, (memo = new Map()));
  const hit = memo.get(ref);
  if (hit) return hit;
  const out = new Set<string>([ref]);
  for (const s of successors(set.nodes.get(ref)!)) for (const r of reachable(set, s)) out.add(r);
  memo.set(ref, out);
  return out;
}

/**
 * Follow the answers from the entry node. Stops at `stopAt`, at an end node, or at the first node
 * without a (valid) answer; `path` lists the answered nodes passed on the way.
 */
export function walk(set: FlowSet, answers: Record<string, Answer>, stopAt?: string): { path: string[]; at: string } {
  const path: string[] = [];
  let ref = set.entry;
  for (let guard = 0; guard <= set.nodes.size; guard++) {
    const node = set.nodes.get(ref)!;
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

/** Where a node leads, given the answers so far. */
export function nextOf(node: CompiledNode, answers: Record<string, Answer>): string {
  const a = answers[node.ref];
  if (node.type === "choice" && a?.kind === "value") {
    const opt = node.options.find((o) => o.id === a.value);
    if (opt?.next) return opt.next;
  }
  for (const r of node.next) if (!r.if || holds(r.if, answers)) return r.goto;
  // Unreachable for a validated flow (the last rule has no `if`); stay put rather than crash.
  return node.ref;
}

/** Evaluate a condition of the flow language over the answers. A missing answer is never equal to anything. */
export function holds(c: Condition, answers: Record<string, Answer>): boolean {
  if ("all" in c) return c.all.every((x) => holds(x, answers));
  if ("any" in c) return c.any.some((x) => holds(x, answers));
  if ("not" in c) return !holds(c.not, answers);
  const a = answers[c.answer];
  const v = a?.kind === "value" ? a.value : undefined;
  if ("skipped" in c) return (a?.kind === "skipped") === c.skipped;
  if ("answered" in c) return (a?.kind === "value") === c.answered;
  if ("is" in c) return v === c.is;
  if ("in" in c) return typeof v === "string" && c.in.includes(v);
  if ("includes" in c) return Array.isArray(v) && v.includes(c.includes);
  if ("during" in c) return typeof v === "string" && overlaps(v, c.during.from, c.during.to);
  if ("mentions" in c) {
    if (typeof v !== "string") return false;
    const text = v.toLocaleLowerCase();
    return c.mentions.some((w) => text.includes(w.toLocaleLowerCase()));
  }
  if (typeof v !== "number") return false;
  return (c.gte === undefined || v >= c.gte) && (c.lte === undefined || v <= c.lte);
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
      return typeof v === "string" && node.options.some((o) => o.id === v);
    case "multi":
      return Array.isArray(v) && v.every((x) => node.options.some((o) => o.id === x));
    case "text":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && v >= node.min! && v <= node.max!;
    case "date":
      return typeof v === "string" && parseDate(v.split("-").reverse().join(".")) === v;
    default:
      return false;
  }
}

/**
 * Bring a stored state in line with the current flows. When a flow's version changed, or the
 * stored node is gone, answers that no longer fit are dropped and the interview resumes at the
 * first unanswered node still on the path ("changed"); if none of the earlier answers survive,
 * the person is told the questionnaire changed and starts again ("reset").
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
    const flow = set.nodes.get(ref)!.flow;
    versions[flow] = set.flows.get(flow)!.version;
  }
  const at = walk(set, answers).at;
  const next: InterviewState = { node: at, answers, versions, step: state.step + 1 };
  if (versionsMatch && nodeKnown) return { state: next }; // only the pointer was off: fix silently
  return { state: next, notice: had > 0 && kept.length === 0 ? "reset" : "changed" };
}

/** The context (e.g. "family") that person-related texts use, from the options chosen so far. */
export function contextOf(set: FlowSet, answers: Record<string, Answer>): string | undefined {
  for (const [ref, a] of Object.entries(answers)) {
    if (a.kind !== "value") continue;
    const ctx = set.nodes.get(ref)?.options.find((o) => o.id === a.value)?.context;
    if (ctx) return ctx;
  }
  return undefined;
}

/** How an answer reads back to the person ("Your answer: …", the summary). */
export function answerMsg(set: FlowSet, node: CompiledNode, a: Answer): Msg {
  if (a.kind === "skipped") return { key: "common:answer.skipped" };
  if (a.kind === "seen") return { key: "common:answer.seen" };
  const v = a.value;
  const label = (id: string): Msg => ({ key: node.options.find((o) => o.id === id)?.labelKey ?? "common:answer.none" });
  if (node.type === "choice" && typeof v === "string") return label(v);
  if (node.type === "multi" && Array.isArray(v)) {
    if (v.length === 0) return { key: "common:answer.none" };
    return { key: "common:answer.list", params: { items: v.map(label) } };
  }
  return { key: "common:answer.value", params: { value: String(v) } };
}

/** A node's text, in the context (e.g. "family") that the answers so far call for. */
export function questionMsg(set: FlowSet, node: CompiledNode, answers: Record<string, Answer>): Msg {
  const context = node.aboutPerson ? contextOf(set, answers) : undefined;
  return { key: node.textKey, ...(context ? { context } : {}) };
}

/** The question for the current node, with its buttons. */
export function ask(set: FlowSet, s: InterviewState, refresh: boolean): Say {
  const node = set.nodes.get(s.node)!;
  const btn = (label: Msg, action: ButtonAction, checked?: boolean): Button => ({
    label,
    data: encodeButton(action, s.step),
    ...(checked === undefined ? {} : { checked }),
  });
  const existing = s.answers[node.ref];
  const buttons: Button[][] = [];
  if (node.type === "choice") {
    const chosen = existing?.kind === "value" ? existing.value : undefined;
    for (const o of node.options) buttons.push([btn({ key: o.labelKey }, { type: "choose", option: o.id }, o.id === chosen ? true : undefined)]);
  } else if (node.type === "multi") {
    const ticked = s.draft ?? currentList(existing);
    for (const o of node.options) buttons.push([btn({ key: o.labelKey }, { type: "toggle", option: o.id }, ticked.includes(o.id))]);
    buttons.push([btn({ key: "common:buttons.done" }, { type: "done" })]);
  } else if (node.type === "info") {
    buttons.push([btn({ key: "common:buttons.continue" }, { type: "done" })]);
  }
  const hasPath = walk(set, s.answers, s.node).path.length > 0 && !node.final;
  const nav: Button[] = [];
  if (hasPath) nav.push(btn({ key: "common:buttons.back" }, { type: "back" }));
  if (isQuestion(node) && !node.required) nav.push(btn({ key: "common:buttons.skip" }, { type: "skip" }));
  if (existing && isQuestion(node)) nav.push(btn({ key: "common:buttons.keep" }, { type: "keep" }));
  if (nav.length) buttons.push(nav);
  if (node.type !== "end") buttons.push([btn({ key: "common:buttons.pause" }, { type: "pause" })]);

  const expects = node.type === "text" || node.type === "number" || node.type === "date" ? node.type : undefined;
  const view: QuestionView = {
    ref: node.ref,
    type: node.type,
    text: questionMsg(set, node, s.answers),
    buttons,
    refresh,
  };
  const help = node.help?.find((h) => !h.if || holds(h.if, s.answers));
  if (help) view.help = { key: help.key };
  if (existing && isQuestion(node) && !refresh) view.current = { key: "common:answer.current", params: { answer: answerMsg(set, node, existing) } };
  if (expects) {
    view.expects = expects;
    view.hint = { key: `common:expects.${expects}` };
  } else if (node.type === "multi") {
    view.hint = { key: "common:multi_hint" };
  }
  if (isQuestion(node)) view.progress = progress(set, s);
  if (node.result) view.result = resultView(set, s.answers);
  if (node.review) view.review = true;
  return { kind: "question", view };
}

function currentList(a: Answer | undefined): string[] {
  return a?.kind === "value" && Array.isArray(a.value) ? a.value : [];
}

const remainingCache = new WeakMap<FlowSet, Map<string, number>>();

/** "Question 3 of about 9": questions answered on the path, plus the longest way still ahead. */
export function progress(set: FlowSet, s: InterviewState): { at: number; of: number } {
  const path = walk(set, s.answers, s.node).path;
  const at = path.filter((ref) => isQuestion(set.nodes.get(ref)!)).length + 1;
  let memo = remainingCache.get(set);
  if (!memo) remainingCache.set(set, (memo = new Map()));
  const remaining = (ref: string): number => {
    const hit = memo!.get(ref);
    if (hit !== undefined) return hit;
    const node = set.nodes.get(ref)!;
    const here = isQuestion(node) ? 1 : 0;
    const value = here + Math.max(0, ...successors(node).map(remaining));
    memo!.set(ref, value);
    return value;
  };
  return { at, of: at - 1 + remaining(s.node) };
}
