/**
 * Which rights and remedies cards apply to a person, and the short summary of their needs: pure
 * functions of the answers, like the engine. Only answers still on the person's path count (the
 * engine prunes the rest), so an abandoned branch never produces a card.
 */
import type { Answer } from "../flow/answers.js";
import { holds } from "../flow/conditions.js";
import { type FlowSet, nodeAt, refOf } from "../flow/model.js";
import { walk } from "../flow/path.js";
import type { Condition } from "../flow/schema.js";
import { answerMsg } from "../flow/view.js";
import type { Msg } from "../i18n/translate.js";
import type { CardSet } from "./model.js";
import type { Specialty } from "./specialties.js";

export interface CardView {
  id: string;
  title: Msg;
  /** It names a deadline that may be running for this person. */
  deadline: boolean;
  parts: Msg[];
  /** `many`: `at` names more than one article ("417–419", "37, 38"). */
  cite: { url: string; label: Msg; at?: string; many?: boolean; official: boolean; checked: string }[];
}

export interface ResultView {
  /** One line per needs module the person answered: its title and what was chosen. */
  summary: { label: Msg; answer: Msg }[];
  cards: CardView[];
  /** When the cited sources were checked (YYYY-MM-DD): the earliest and the latest date. */
  checked?: { from: string; to: string };
}

/**
 * The cards that apply, in the file's order, except that cards whose deadline may be running come
 * first: a deadline that may be running is the first thing a person reads.
 */
export function applicableCards(set: CardSet, answers: Readonly<Record<string, Answer>>): CardView[] {
  const cards = set.cards
    .filter((c) => !c.when || holds(c.when, answers))
    .map((c) => ({
      id: c.id,
      title: { key: c.titleKey },
      deadline: c.deadline === true || (c.deadline !== undefined && holds(c.deadline, answers)),
      parts: c.parts.filter((p) => !p.if || holds(p.if, answers)).map((p) => ({ key: p.key })),
      cite: c.cite
        .filter((s) => !s.if || holds(s.if, answers))
        .map((s) => ({
          url: s.url,
          label: { key: s.labelKey },
          official: s.official,
          checked: s.checked,
          ...(s.at ? { at: s.at, many: /[,–-]/.test(s.at) } : {}),
        })),
    }));
  return [...cards.filter((c) => c.deadline), ...cards.filter((c) => !c.deadline)];
}

/** The earliest and the latest check date of the sources these cards cite. */
export function checkedRange(cards: CardView[]): { from: string; to: string } | undefined {
  const dates = cards.flatMap((c) => c.cite.map((s) => s.checked)).sort();
  const [from, to] = [dates[0], dates[dates.length - 1]];
  return from && to ? { from, to } : undefined;
}

export function needsSummary(set: FlowSet, answers: Readonly<Record<string, Answer>>): ResultView["summary"] {
  const out: ResultView["summary"] = [];
  for (const ref of walk(set, answers).path) {
    const node = nodeAt(set, ref);
    const a = answers[ref];
    if (node.type !== "multi" || !node.summaryKey) continue;
    // An area chosen whose details were skipped is still a need: it is listed, as skipped.
    if (a?.kind === "skipped") {
      out.push({ label: { key: node.summaryKey }, answer: answerMsg(node, a) });
      continue;
    }
    if (a?.kind !== "value" || !Array.isArray(a.value)) continue;
    const chosen = a.value.filter((id) => !node.options.find((o) => o.id === id)?.exclusive);
    if (chosen.length === 0) continue;
    out.push({ label: { key: node.summaryKey }, answer: answerMsg(node, { kind: "value", value: chosen }) });
  }
  return out;
}

export function resultView(flows: FlowSet, cardSet: CardSet, answers: Readonly<Record<string, Answer>>): ResultView {
  const cards = applicableCards(cardSet, answers);
  const checked = checkedRange(cards);
  return { summary: needsSummary(flows, answers), cards, ...(checked ? { checked } : {}) };
}

/** At most this many next steps in the plan: more would not fit a phone screen. */
export const PLAN_STEPS = 5;

export interface Plan {
  /** A deadline may be running: the plan says so before anything else. */
  deadline: boolean;
  /** What Qadam understood, a few lines: where and how the case ended, the needs, ill-treatment. */
  understood: Msg[][];
  /** The next steps, most urgent first (a deadline first), each opening its card. */
  steps: { card: string; text: Msg; deadline: boolean }[];
  /** Cards beyond the first five: still in the summary document. */
  more: number;
}

/**
 * The short plan a person reads first: a pure function of the answers, like the cards. A step is
 * the card's one line (`<card>.step`), or with the deadline first (`<card>.step_deadline`) when
 * the card's deadline may be running for this person.
 */
export function planOf(flows: FlowSet, cardSet: CardSet, answers: Readonly<Record<string, Answer>>): Plan {
  const cards = applicableCards(cardSet, answers);
  const said = (role: "country" | "outcome" | "areas" | "ill_treated"): Msg | undefined => {
    const ref = refOf(flows, role);
    const a = answers[ref];
    if (a?.kind !== "value") return undefined;
    const node = nodeAt(flows, ref);
    if (node.type === "multi") {
      const chosen = (a.value as string[]).filter((id) => !node.options.find((o) => o.id === id)?.exclusive);
      return chosen.length ? answerMsg(node, { kind: "value", value: chosen }) : undefined;
    }
    return answerMsg(node, a);
  };
  const understood: Msg[][] = [];
  const place = [said("country"), said("outcome")].filter((m): m is Msg => m !== undefined);
  if (place.length) understood.push(place);
  const areas = said("areas");
  if (areas) understood.push([{ key: "rights:plan.needs", params: { areas } }]);
  const ill = answers[refOf(flows, "ill_treated")];
  if (ill?.kind === "value" && ill.value === "yes") understood.push([{ key: "rights:plan.ill_treated" }]);
  const steps = cards.slice(0, PLAN_STEPS).map((c) => ({
    card: c.id,
    deadline: c.deadline,
    text: { key: `rights:${c.id}.${c.deadline ? "step_deadline" : "step"}` },
  }));
  return { deadline: steps.some((s) => s.deadline), understood, steps, more: Math.max(0, cards.length - PLAN_STEPS) };
}

/** The countries whose law the cited sources are about, card by card (for the country checks). */
export function citedCountries(set: CardSet, answers: Readonly<Record<string, Answer>>): Set<"kz" | "uz"> {
  const out = new Set<"kz" | "uz">();
  for (const c of set.cards) {
    if (c.when && !holds(c.when, answers)) continue;
    for (const s of c.cite) if (s.country && (!s.if || holds(s.if, answers))) out.add(s.country);
  }
  return out;
}

/** The kinds of case (partner specialties) a referral needs: those of the cards that apply, and the extras. */
export function neededSpecialties(set: CardSet, answers: Readonly<Record<string, Answer>>): Specialty[] {
  const out = new Set<Specialty>();
  for (const c of set.cards) if (c.specialty && (!c.when || holds(c.when, answers))) out.add(c.specialty);
  for (const [name, c] of Object.entries(set.extraSpecialties) as [Specialty, Condition][]) if (holds(c, answers)) out.add(name);
  return [...out].sort();
}
