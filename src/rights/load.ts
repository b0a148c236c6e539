/**
 * Loads the cards file (`flows/rights.yaml`) as a set of its own, against the flows: every
 * condition must name a real question (`flow/node`) and real options, every cited source must be
 * declared, dated and honestly marked official or not.
 */
import { leaves } from "../flow/conditions.js";
import { conditionProblems } from "../flow/graph.js";
import { parseYaml, type SourceFile, zodProblems } from "../flow/load.js";
import { FlowProblems, type FlowSet, type Problem } from "../flow/model.js";
import type { Condition } from "../flow/schema.js";
import type { CardSet, CompiledCard } from "./model.js";
import { type CardsFile, cardsFile } from "./schema.js";

/**
 * Hosts whose pages are the official text (statutes, UN documents and treaty records). A source
 * on any other host is secondary and must say so (`official: false`), so a forum post or a
 * mirror can never pass for the law.
 */
const OFFICIAL_HOSTS = [
  "adilet.zan.kz",
  "lex.uz",
  "undocs.org",
  "docs.un.org",
  "documents.un.org",
  "www.ohchr.org",
  "docstore.ohchr.org",
  "treaties.un.org",
  "legal.un.org",
];

/** Parses and compiles the cards file; throws {@link FlowProblems} listing every problem found. */
export function loadCards(file: SourceFile, flows: FlowSet): CardSet {
  const problems: Problem[] = [];
  const raw = parseYaml(file, problems);
  let cards: CardSet = { cards: [], extraSpecialties: {} };
  if (raw !== undefined) {
    const parsed = cardsFile.safeParse(raw);
    if (parsed.success) cards = compileCards(flows, file.path, parsed.data, problems);
    else problems.push(...zodProblems(file.path, parsed.error));
  }
  if (problems.length) throw new FlowProblems(problems);
  return cards;
}

function compileCards(set: FlowSet, file: string, data: CardsFile, problems: Problem[]): CardSet {
  const seen = new Set<string>();
  // Cards refer to questions of any flow, so every reference is written `flow/node`.
  const check = (where: string, c: Condition | undefined) => {
    if (!c) return;
    const bare = leaves(c).filter((l) => !l.answer.includes("/"));
    for (const l of bare) problems.push({ file, where, message: `write "${l.answer}" as flow/node: cards can ask about any flow` });
    if (bare.length === 0) for (const message of conditionProblems(set, c)) problems.push({ file, where, message });
  };
  const cards: CompiledCard[] = data.cards.map((card, i) => {
    const at = `cards.${i} (${card.id})`;
    if (seen.has(card.id)) problems.push({ file, where: at, message: `the card id "${card.id}" is used twice` });
    seen.add(card.id);
    check(`${at}.when`, card.when);
    if (card.deadline && card.deadline !== true) check(`${at}.deadline`, card.deadline);
    const parts = card.parts.map((p, j) => {
      const part = typeof p === "string" ? { text: p } : p;
      if ("if" in part) check(`${at}.parts.${j}.if`, part.if);
      return { key: `rights:${card.id}.${part.text}`, ...("if" in part && part.if ? { if: part.if } : {}) };
    });
    const cite = card.cite.map((c, j) => {
      const source = data.sources[c.source];
      if (!source) problems.push({ file, where: `${at}.cite.${j}`, message: `the source "${c.source}" is not declared under sources` });
      check(`${at}.cite.${j}.if`, c.if);
      return {
        source: c.source,
        url: source?.url ?? "",
        labelKey: `rights:sources.${c.source}`,
        checked: source?.checked ?? "",
        official: source?.official ?? false,
        ...(source?.country ? { country: source.country } : {}),
        ...(c.at ? { at: c.at } : {}),
        ...(c.if ? { if: c.if } : {}),
      };
    });
    return {
      id: card.id,
      file,
      ...(card.specialty ? { specialty: card.specialty } : {}),
      titleKey: `rights:${card.id}.title`,
      ...(card.when ? { when: card.when } : {}),
      ...(card.deadline ? { deadline: card.deadline } : {}),
      parts,
      cite,
    };
  });
  const extra = data.extra_specialties ?? {};
  for (const [name, c] of Object.entries(extra)) check(`extra_specialties.${name}`, c);
  const cited = new Set(data.cards.flatMap((c) => c.cite.map((x) => x.source)));
  for (const [id, s] of Object.entries(data.sources)) {
    if (!cited.has(id)) problems.push({ file, where: `sources.${id}`, message: "no card cites this source: remove it" });
    const host = new URL(s.url).hostname.replace(/^www\.(?=(adilet|lex)\.)/, "");
    const onOfficialHost = OFFICIAL_HOSTS.includes(host);
    if (s.official && !onOfficialHost)
      problems.push({
        file,
        where: `sources.${id}`,
        message: `${host} does not publish official texts: mark it official: false and label it as a secondary source`,
      });
    if (!s.official && onOfficialHost)
      problems.push({ file, where: `sources.${id}`, message: `${host} publishes official texts: mark it official: true` });
  }
  return { cards, extraSpecialties: extra };
}
