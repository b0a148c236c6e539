/**
 * The interview engine: one pure function, {@link step}, turns (flows, state, input) into a new
 * state and a list of things to say. No Telegram, Redis or clock in here: the grammY layer and the
 * local chat render what it returns, and the caller passes today's date in with typed answers.
 *
 * The path a person took is never stored: it is recomputed by walking from the entry node and
 * following the answers (path.ts). That makes two promises easy to keep:
 * - changing an earlier answer drops the answers of every node no longer on the path (answers
 *   from an abandoned branch never leak into the result), and keeps all the others;
 * - after a flow edit, the interview resumes at the first unanswered node still on the path
 *   (reconcile.ts).
 *
 * This module is the reducer; the other jobs live beside it: answers.ts (typed answers, validity),
 * conditions.ts, path.ts, reconcile.ts, view.ts (what a question looks like). It re-exports what
 * callers of the engine use, so they import one module.
 */
import type { Msg } from "../i18n/translate.js";
import { type Answer, isTyped, parseTyped, ticked } from "./answers.js";
import { type CompiledNode, type FlowSet, isQuestion, nodeAt } from "./model.js";
import { nextOf, prune, settle, walk } from "./path.js";
import { reconcile } from "./reconcile.js";
import type { Input, InterviewState, NoticeReason, Say, StepResult } from "./state.js";
import { answerMsg, ask, questionMsg } from "./view.js";

export type { Msg } from "../i18n/translate.js";
export { type Answer, isValid, parseDate } from "./answers.js";
export { holds } from "./conditions.js";
export { nextOf, prune, reachable, walk } from "./path.js";
export { reconcile } from "./reconcile.js";
export type { Input, InterviewState, NoticeReason, Say, StepResult } from "./state.js";
export { answerMsg, ask, type Button, contextOf, progress, type QuestionView, questionMsg } from "./view.js";

/** The i18n key of each notice: the engine names what to say, the bot translates it. */
const NOTICE_KEYS: Record<NoticeReason, string> = {
  changed: "common:notice.changed",
  reset: "common:notice.reset",
  stale: "common:notice.stale",
  use_buttons: "common:notice.use_buttons",
  use_buttons_required: "common:notice.use_buttons_required",
  finished: "common:notice.finished",
  pause: "common:pause",
  text_empty: "common:errors.text_empty",
  text_too_long: "common:errors.text_too_long",
  number: "common:errors.number",
  date: "common:errors.date",
  date_future: "common:errors.date_future",
};

export const notice = (reason: NoticeReason, params?: Msg["params"]): Say => ({
  kind: "notice",
  reason,
  msg: { key: NOTICE_KEYS[reason], ...(params ? { params } : {}) },
});

/** A fresh interview at the entry node. */
export function startState(set: FlowSet): InterviewState {
  return { node: settle(set, set.entry, {}), answers: {}, versions: {}, step: 0 };
}

/** The heart of the engine: apply one input. Never throws on bad input; it says why instead. */
export function step(set: FlowSet, state: InterviewState, input: Input): StepResult {
  const { state: s, notice: changed } = reconcile(set, state);
  const say: Say[] = changed ? [notice(changed)] : [];
  const node = nodeAt(set, s.node);
  const again = (reason: NoticeReason, params?: Msg["params"]): StepResult => ({
    state: s,
    say: [...say, notice(reason, params), ask(set, s, false)],
  });

  if ("step" in input && input.step !== s.step) return again("stale");

  switch (input.type) {
    case "current":
      return { state: s, say: [...say, ask(set, s, false)] };
    case "pause":
      return { state: s, say: [...say, notice("pause")] };
    case "back":
    case "back_command": {
      const path = walk(set, s.answers, s.node).path;
      const prev = path[path.length - 1];
      if (!prev || (node.type === "end" && node.final)) return { state: s, say: [...say, ask(set, s, false)] };
      const next: InterviewState = { ...s, node: prev, step: s.step + 1 };
      delete next.draft;
      delete next.resume;
      return { state: next, say: [...say, ask(set, next, false)] };
    }
    case "edit":
    case "revise": {
      if (!walk(set, s.answers).path.includes(input.ref)) return again("stale");
      // Changed from /mydata or the review screen: once answered, straight back to where the person
      // was (the first open question), past every later answer still on the path, with no
      // "Keep" for each; a new branch's own questions are asked on the way.
      const next: InterviewState = { ...s, node: input.ref, step: s.step + 1, resume: true };
      delete next.draft;
      return { state: next, say: [...say, ask(set, next, false)] };
    }
    case "keep": {
      const a = s.answers[s.node];
      if (!a) return again("stale");
      return advance(set, s, node, a, say);
    }
    case "skip":
      if (!isQuestion(node) || node.required) return again("use_buttons_required");
      return advance(set, s, node, { kind: "skipped" }, say);
    case "choose": {
      if (node.type !== "choice" || !node.options.some((o) => o.id === input.option)) return again("stale");
      return advance(set, s, node, { kind: "value", value: input.option }, say);
    }
    case "toggle": {
      const opt = node.type === "multi" ? node.options.find((o) => o.id === input.option) : undefined;
      if (node.type !== "multi" || !opt) return again("stale");
      const before = s.draft ?? ticked(s.answers[s.node]);
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
      if (node.type === "multi") return advance(set, s, node, { kind: "value", value: s.draft ?? ticked(s.answers[s.node]) }, say);
      return again("stale");
    }
    case "text": {
      if (node.type === "end") return { state: s, say: [...say, notice("finished")] };
      if (!isQuestion(node)) return again("use_buttons_required");
      // Only a question has a "Skip" button to point to.
      if (!isTyped(node)) return again(node.required ? "use_buttons_required" : "use_buttons");
      const parsed = parseTyped(node, input.text, input.today);
      if ("reason" in parsed) {
        const { reason, ...params } = parsed;
        return again(reason, Object.keys(params).length ? params : undefined);
      }
      return advance(set, s, node, parsed, say);
    }
  }
}

/** Record an answer, drop what the new path no longer passes through, and move on. */
function advance(set: FlowSet, s: InterviewState, node: CompiledNode, answer: Answer, say: Say[]): StepResult {
  const answers = prune(set, { ...s.answers, [node.ref]: answer });
  const flowVersion = set.flows.get(node.flow)?.version ?? 0;
  // After a change from /mydata or the review screen: skip what is already answered, back to where the person was.
  const target = s.resume ? walk(set, answers).at : settle(set, nextOf(node, answers), answers);
  const next: InterviewState = {
    node: target,
    answers,
    versions: { ...s.versions, [node.flow]: flowVersion },
    step: s.step + 1,
  };
  const landed = nodeAt(set, target);
  if (s.resume && !(landed.type === "choice" && landed.review)) next.resume = true;
  const out: Say[] = [...say];
  if (isQuestion(node)) {
    // A sensitive answer is never said back: a searched phone shows "saved", not the number.
    const said = node.sensitive && answer.kind === "value" ? { key: "common:answer.saved" } : answerMsg(node, answer);
    out.push({
      kind: "answered",
      ref: node.ref,
      question: questionMsg(set, node, s.answers),
      answer: said,
      ...(node.sensitive ? { sensitive: true as const } : {}),
    });
  }
  out.push(ask(set, next, false));
  return { state: next, say: out };
}
