/**
 * Which rights and remedies cards apply to a person, and the short summary of their needs: pure
 * functions of the answers, like the engine. Only answers still on the person's path count (the
 * engine prunes the rest), so an abandoned branch never produces a card.
 */
import type { Answer, Msg } from "../flow/engine.js";
import { answerMsg, holds, walk } from "../flow/engine.js";
import type { FlowSet } from "../flow/model.js";

export interface CardView {
  id: string;
  title: Msg;
  parts: Msg[];
  cite: { url: string; label: Msg; at?: string }[];
}

export interface ResultView {
  /** One line per needs module the person answered: its title and what was chosen. */
  summary: { label: Msg; answer: Msg }[];
  cards: CardView[];
  /** When the sources were checked (YYYY-MM-DD). */
  checked?: string;
}

export function applicableCards(set: FlowSet, answers: Record<string, Answer>): CardView[] {
  return set.cards
    .filter((c) => !c.when || holds(c.when, answers))
    .map((c) => ({
      id: c.id,
      title: { key: c.titleKey },
      parts: c.parts.filter((p) => !p.if || holds(p.if, answers)).map((p) => ({ key: p.key })),
      cite: c.cite.filter((s) => !s.if || holds(s.if, answers)).map((s) => ({ url: s.url, label: { key: s.labelKey }, ...(s.at ? { at: s.at } : {}) })),
    }));
}

export function needsSummary(set: FlowSet, answers: Record<string, Answer>): ResultView["summary"] {
  const out: ResultView["summary"] = [];
  for (const ref of walk(set, answers).path) {
    const node = set.nodes.get(ref)!;
    const a = answers[ref]!;
    if (!node.summaryKey || a.kind !== "value" || !Array.isArray(a.value)) continue;
    const chosen = a.value.filter((id) => !node.options.find((o) => o.id === id)?.exclusive);
    if (chosen.length === 0) continue;
    out.push({ label: { key: node.summaryKey }, answer: answerMsg(set, node, { kind: "value", value: chosen }) });
  }
  return out;
}

export function resultView(set: FlowSet, answers: Record<string, Answer>): ResultView {
  return { summary: needsSummary(set, answers), cards: applicableCards(set, answers), ...(set.cardsChecked ? { checked: set.cardsChecked } : {}) };
}

/** The kinds of case (partner specialties) a referral needs: those of the cards that apply, and the extras. */
export function neededSpecialties(set: FlowSet, answers: Record<string, Answer>): string[] {
  const out = new Set<string>();
  for (const c of set.cards) if (c.specialty && (!c.when || holds(c.when, answers))) out.add(c.specialty);
  for (const [name, c] of Object.entries(set.extraSpecialties ?? {})) if (holds(c, answers)) out.add(name);
  return [...out].sort();
}
