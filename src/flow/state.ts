/**
 * The engine's vocabulary: the state a session keeps, what a person can do, and what the engine
 * says back. Types only, so every part of the engine can use them without importing the reducer.
 */
import type { Msg } from "../i18n/translate.js";
import type { Answer } from "./answers.js";
import type { Pressed } from "./codec.js";
import type { CompiledNode } from "./model.js";

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

/**
 * Why the engine says a notice. The bot decides how each is shown by its reason (a stale press is
 * answered on the button; "use the buttons" at the result repeats only its last message), never
 * by the text's key.
 */
export type NoticeReason =
  | "changed"
  | "reset"
  | "stale"
  | "use_buttons"
  | "use_buttons_required"
  | "finished"
  | "pause"
  | "text_empty"
  | "text_too_long"
  | "number"
  | "date"
  | "date_future";

export type Say =
  | { kind: "notice"; reason: NoticeReason; msg: Msg }
  | { kind: "question"; view: QuestionView }
  /** Confirms the answer just given, so the previous question can be closed with it. */
  | { kind: "answered"; ref: string; question: Msg; answer: Msg; sensitive?: true };

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
  /** "Part 2 of 4 · The case" (a message: the part's name is the flow's own text). */
  progress?: Msg;
  /** Rows of buttons. */
  buttons: Button[][];
  /** The same question drawn again after a tick: replace it rather than send a new one. */
  refresh: boolean;
  /** Nodes marked `result`: the bot shows the needs summary and the rights cards that apply. */
  result?: boolean;
  /** Nodes marked `review`: show every answer with a "change" button first. */
  review?: boolean;
  /** Info nodes marked `danger`: the bot fills `{{help}}` with the country's help contacts. */
  danger?: boolean;
}
