/**
 * Qadam's content, loaded and checked together: the flows, the rights cards and the texts in
 * five languages. A broken flow, a card naming a question that does not exist or a missing text
 * stops the start, and `npm run flows:check` reports every problem. Nothing here builds the bot,
 * Redis or the delivery queue, so the content tools run without them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFlows, loadFlows, type Needs, type SourceFile } from "../flow/load.js";
import { FlowProblems, type FlowSet, type Problem, uniqueProblems } from "../flow/model.js";
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

const flowFiles = (dir: string) => readYaml(dir).filter((f) => !NOT_FLOWS.some((n) => f.path.endsWith(`/${n}`)));

/** The flows of a folder (the cards file left out). */
export function loadFlowsFromDir(dir: string, needs: Needs = {}): FlowSet {
  return loadFlows(flowFiles(dir), needs);
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
  const { content, problems } = checkContent(flowsDir, localesDir, checkUnused);
  if (problems.length || !content) throw new FlowProblems(problems);
  return content;
}

/**
 * Checks flows, cards, triage rules and locales, and reports every problem of every layer at once,
 * each once. A flow file that fails the schema cannot be graph-checked, but the others are; the
 * cards, the rules and the locales are checked against the flows that loaded, leaving out only
 * what depends on a failed file (e.g. its keys are not called unused). `content` is set only when
 * nothing is wrong.
 */
export function checkContent(flowsDir: string, localesDir: string, checkUnused = false): { content?: Content; problems: Problem[] } {
  const { set: flows, problems, failed } = checkFlows(flowFiles(flowsDir), CODE_NEEDS);
  // A problem about a node of a failed flow is only an echo of that failure.
  const echo = (p: Problem) => failed.some((f) => p.message.includes(`"${f}/`));
  const files = readYaml(flowsDir);
  const skipNamespaces = [...failed];
  const layer = <T>(file: SourceFile | undefined, empty: T, load: (f: SourceFile) => T, namespace?: string): T => {
    if (!file) return empty;
    try {
      return load(file);
    } catch (e) {
      if (namespace) skipNamespaces.push(namespace);
      if (e instanceof FlowProblems) problems.push(...e.problems.filter((p) => !echo(p)));
      else if (failed.length)
        problems.push({ file: file.path, where: "", message: "not checked: it depends on the flows that failed above" });
      else throw e;
      return empty;
    }
  };
  const cards = layer(
    files.find((f) => f.path.endsWith(`/${CARDS_FILE}`)),
    { cards: [], extraSpecialties: {} } as CardSet,
    (f) => loadCards(f, flows),
    "rights",
  );
  const triage = layer(
    files.find((f) => f.path.endsWith(`/${TRIAGE_FILE}`)),
    [] as UrgencyRule[],
    (f) => loadTriageRules(f, flows),
  );
  let data: ReturnType<typeof readLocales> | undefined;
  try {
    data = readLocales(localesDir);
  } catch (e) {
    problems.push({ file: localesDir, where: "", message: (e as Error).message });
  }
  if (data) {
    const found = localeProblems(flows, cards, data, { localesDir, urgency: triage, ...(checkUnused ? { srcDir: SRC_DIR } : {}) });
    // Keys of a flow or cards file that failed are not unused: the file that uses them could not be read.
    problems.push(
      ...found.filter((p) => !(p.message.startsWith("is not used") && skipNamespaces.some((ns) => p.where.startsWith(`${ns}:`)))),
    );
  }
  const all = uniqueProblems(problems);
  return all.length || !data ? { problems: all } : { content: { flows, cards, triage, i18n: createI18n(data) }, problems: all };
}
