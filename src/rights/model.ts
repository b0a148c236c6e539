/**
 * The compiled rights cards: what `rights/evaluate.ts` reads. A set of its own, loaded after the
 * flows (cards name the flows' questions), so the interview engine never depends on them.
 */
import type { Condition } from "../flow/schema.js";
import type { Specialty } from "./specialties.js";

export interface CompiledCite {
  source: string;
  url: string;
  labelKey: string;
  /** Article(s) cited, e.g. "38" or "417–419". */
  at?: string;
  if?: Condition;
  /** When the statements were checked against this source (YYYY-MM-DD). */
  checked: string;
  official: boolean;
  country?: "kz" | "uz";
}

export interface CompiledCard {
  id: string;
  file: string;
  specialty?: Specialty;
  titleKey: string;
  when?: Condition;
  /** A deadline that may be running: always (`true`) or where the condition holds. */
  deadline?: true | Condition;
  parts: { key: string; if?: Condition }[];
  cite: CompiledCite[];
}

export interface CardSet {
  /** Rights and remedies cards, in the file's order. */
  cards: readonly CompiledCard[];
  /** Kinds of case needed that no card stands for, by condition. */
  extraSpecialties: Readonly<Partial<Record<Specialty, Condition>>>;
}
