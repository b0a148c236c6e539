/**
 * Qadam's content, loaded and checked together: the flows, the rights cards and the texts in
 * five languages. A broken flow, a card naming a question that does not exist or a missing text
 * stops the start, and `npm run flows:check` reports every problem. Nothing here builds the bot,
 * Redis or the delivery queue, so the content tools run without them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadFlows, type Needs, type SourceFile } from "../flow/load.js";
import { FlowProblems, type FlowSet } from "../flow/model.js";
import { FLOW_ROLES, NODE_ROLES } from "../flow/schema.js";
import { createI18n, readLocales } from "../i18n/index.js";
import { loadCards } from "../rights/load.js";
import type { CardSet } from "../rights/model.js";
import { loadTriageRules, type UrgencyRule } from "../triage/rules.js";
import { localeProblems } from "./locale-check.js";

/** The cards file and the triage rules, beside the flows; every other `*.yaml` there is a flow. */
export const CARDS_FILE = "rights.yaml";
export const TRIAGE_FILE = "triage.yaml";
const NOT_FLOWS = [CARDS_FILE, TRIAGE_FILE];

/** Every role the code relies on: the real flows must give each exactly once. */
export const CODE_NEEDS: Needs = { nodeRoles: NODE_ROLES, flowRoles: FLOW_ROLES };

/** The source folder, for the unused-key check (only when running from source). */
export const SRC_DIR = fileURLToPath(new URL("..", import.meta.url));

/** The `*.yaml` files of a folder, sorted, as loader input. */
function readYaml(dir: string): SourceFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));
}

/** The flows of a folder (the cards file left out). */
export function loadFlowsFromDir(dir: string, needs: Needs = {}): FlowSet {
  return loadFlows(
    readYaml(dir).filter((f) => !NOT_FLOWS.some((n) => f.path.endsWith(`/${n}`))),
    needs,
  );
}

/** The flows, the cards and the triage rules of a folder. */
export function loadRules(dir: string, needs: Needs = CODE_NEEDS): { flows: FlowSet; cards: CardSet; triage: UrgencyRule[] } {
  const flows = loadFlowsFromDir(dir, needs);
  const files = readYaml(dir);
  const cardsFile = files.find((f) => f.path.endsWith(`/${CARDS_FILE}`));
  const cards = cardsFile ? loadCards(cardsFile, flows) : { cards: [], extraSpecialties: {} };
  const triageFile = files.find((f) => f.path.endsWith(`/${TRIAGE_FILE}`));
  const triage = triageFile ? loadTriageRules(triageFile, flows) : [];
  return { flows, cards, triage };
}

export interface Content {
  flows: FlowSet;
  cards: CardSet;
  triage: UrgencyRule[];
  i18n: ReturnType<typeof createI18n>;
}

/**
 * Loads and checks flows, cards and locales together. `checkUnused` also fails on keys nothing
 * uses (flows:check and the tests set it).
 */
export function loadContent(flowsDir: string, localesDir: string, checkUnused = false): Content {
  const { flows, cards, triage } = loadRules(flowsDir);
  const data = readLocales(localesDir);
  const problems = localeProblems(flows, cards, data, { localesDir, urgency: triage, ...(checkUnused ? { srcDir: SRC_DIR } : {}) });
  if (problems.length) throw new FlowProblems(problems);
  return { flows, cards, triage, i18n: createI18n(data) };
}
