/**
 * Triage of a referral from its answers, for the NGO staff: how urgent it is and why (rules in
 * `flows/triage.yaml`), and what the person needs (the areas they chose). Pure, and made only of
 * categories: nothing here identifies the person.
 */
import { z } from "zod";
import type { Answer } from "../flow/answers.js";
import { holds } from "../flow/conditions.js";
import { conditionProblems } from "../flow/graph.js";
import { parseYaml, type SourceFile, zodProblems } from "../flow/load.js";
import { FlowProblems, type FlowSet, type Problem, refOf } from "../flow/model.js";
import { condition, slug } from "../flow/schema.js";

const triageFile = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        id: slug,
        level: z.enum(["high", "normal"]),
        when: condition,
        /** The reason is a deadline that may be running (the lawyer's dossier then names no other). */
        deadline: z.boolean().optional(),
      }),
    )
    .min(1),
});
export type UrgencyRule = z.infer<typeof triageFile>["rules"][number];

/** Loads the urgency rules against the flows: every condition must name real questions and options. */
export function loadTriageRules(file: SourceFile, flows: FlowSet): UrgencyRule[] {
  const problems: Problem[] = [];
  const raw = parseYaml(file, problems);
  let rules: UrgencyRule[] = [];
  if (raw !== undefined) {
    const parsed = triageFile.safeParse(raw);
    if (!parsed.success) problems.push(...zodProblems(file.path, parsed.error));
    else {
      rules = parsed.data.rules;
      const ids = new Set<string>();
      for (const [i, r] of rules.entries()) {
        if (ids.has(r.id)) problems.push({ file: file.path, where: `rules.${i} (${r.id})`, message: "this id is used twice" });
        ids.add(r.id);
        for (const message of conditionProblems(flows, r.when))
          problems.push({ file: file.path, where: `rules.${i} (${r.id}).when`, message });
      }
    }
  }
  if (problems.length) throw new FlowProblems(problems);
  return rules;
}

export type Urgency = "high" | "normal";

/** What the staff see of a case's substance: categories only. */
export interface Triage {
  urgency: Urgency;
  /** The ids of the rules that hold, high ones first. */
  reasons: string[];
  /** The areas of need the person chose (the question with `role: areas`), "none" left out. */
  needs: string[];
}

export function triageOf(flows: FlowSet, rules: readonly UrgencyRule[], answers: Readonly<Record<string, Answer>>): Triage {
  const hit = rules.filter((r) => holds(r.when, answers));
  const high = hit.filter((r) => r.level === "high");
  const areas = answers[refOf(flows, "areas")];
  const needs = areas?.kind === "value" && Array.isArray(areas.value) ? areas.value.filter((a) => a !== "none") : [];
  return { urgency: high.length ? "high" : "normal", reasons: [...high, ...hit.filter((r) => r.level !== "high")].map((r) => r.id), needs };
}
