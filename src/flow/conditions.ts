/**
 * The condition language of flows and cards: evaluation over the answers, and one walker over
 * `all` / `any` / `not` that every other use (checking, qualifying, describing) folds through, so
 * the recursion is written once.
 */
import type { Answer } from "./answers.js";
import { overlaps } from "./answers.js";
import type { Condition } from "./schema.js";

/** A condition without `all`, `any` or `not`: one test on one answer. */
export type Leaf = Exclude<Condition, { all: Condition[] } | { any: Condition[] } | { not: Condition }>;

export interface Fold<T> {
  leaf: (c: Leaf) => T;
  all: (xs: T[]) => T;
  any: (xs: T[]) => T;
  not: (x: T) => T;
}

/** Folds a condition: `leaf` on each test, `all`/`any`/`not` to combine. */
export function foldCondition<T>(c: Condition, f: Fold<T>): T {
  if ("all" in c) return f.all(c.all.map((x) => foldCondition(x, f)));
  if ("any" in c) return f.any(c.any.map((x) => foldCondition(x, f)));
  if ("not" in c) return f.not(foldCondition(c.not, f));
  return f.leaf(c);
}

/** Every test in a condition, in order (for checks that look at each one). */
export const leaves = (c: Condition): Leaf[] =>
  foldCondition<Leaf[]>(c, { leaf: (l) => [l], all: (xs) => xs.flat(), any: (xs) => xs.flat(), not: (x) => x });

/** The same condition with each test replaced (e.g. its question qualified with the flow). */
export const mapLeaves = (c: Condition, f: (l: Leaf) => Leaf): Condition =>
  foldCondition<Condition>(c, { leaf: f, all: (xs) => ({ all: xs }), any: (xs) => ({ any: xs }), not: (x) => ({ not: x }) });

/** Evaluate a condition over the answers. A missing answer is never equal to anything. */
export function holds(c: Condition, answers: Readonly<Record<string, Answer>>): boolean {
  let test = compiled.get(c);
  if (!test) {
    test = compile(c);
    compiled.set(c, test);
  }
  return test(answers);
}

type Test = (answers: Readonly<Record<string, Answer>>) => boolean;

/**
 * Each condition as a function, made once: conditions belong to the loaded flows and cards, and
 * every update walks the path through them, so building the fold's closures on each evaluation
 * made garbage on every step. Same meaning as {@link foldCondition} with `every`/`some`/`!`; the
 * tests have no side effects, so stopping at the first deciding one gives the same answer.
 */
const compiled = new WeakMap<Condition, Test>();

function compile(c: Condition): Test {
  if ("all" in c) {
    const xs = c.all.map(compile);
    return (answers) => {
      for (const x of xs) if (!x(answers)) return false;
      return true;
    };
  }
  if ("any" in c) {
    const xs = c.any.map(compile);
    return (answers) => {
      for (const x of xs) if (x(answers)) return true;
      return false;
    };
  }
  if ("not" in c) {
    const x = compile(c.not);
    return (answers) => !x(answers);
  }
  return (answers) => test(c, answers);
}

function test(c: Leaf, answers: Readonly<Record<string, Answer>>): boolean {
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
