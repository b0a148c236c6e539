/**
 * A Mermaid diagram of a flow, for NGO staff who review the interview without reading YAML:
 * each node shows its id and its whole text in one language, and says whether it can be skipped;
 * each arrow shows the option or the rule that leads along it, in words of the same language
 * (staff:graph.*). Nothing is cut, and no `{{placeholder}}` shows: it becomes "…".
 */
import type { TFunction } from "i18next";
import { foldCondition, type Leaf } from "./conditions.js";
import { type CompiledNode, type FlowSet, isQuestion, nodeAt, optionsOf } from "./model.js";
import type { Condition } from "./schema.js";

const SHAPES: Record<CompiledNode["type"], [string, string]> = {
  info: ["[/", "/]"],
  choice: ["{{", "}}"],
  multi: ["{{", "}}"],
  text: ["[", "]"],
  number: ["[", "]"],
  date: ["[", "]"],
  end: ["([", "])"],
  route: ["((", "))"],
};

/** Mermaid-safe label text: no HTML, no placeholder, nothing that ends a quoted label; never cut. */
export function label(s: string): string {
  return s
    .replace(/\{\{[^}]*\}\}/g, "…")
    .replace(/<[^>]+>/g, "")
    .replace(/&[a-z#0-9]+;/gi, " ")
    .replace(/["|`#]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** A condition in words of the chosen language, for the diagram's arrows. */
function describer(set: FlowSet, t: TFunction): (c: Condition) => string {
  const say = (key: string, params: Record<string, string>) => t(key, params) as string;
  const quoted = (text: string) => say("staff:graph.quoted", { text: label(text) });
  const question = (ref: string) => {
    const q = set.nodes.get(ref);
    return quoted(q ? (t(q.textKey) as string) : ref);
  };
  const option = (ref: string, id: string) => {
    const o = optionsOf(nodeAt(set, ref)).find((x) => x.id === id);
    return quoted(o ? (t(o.labelKey) as string) : id);
  };
  const and = ` ${say("staff:graph.and", {})} `;
  const or = ` ${say("staff:graph.or", {})} `;
  const leaf = (c: Leaf): string => {
    const q = question(c.answer);
    if ("is" in c) return say("staff:graph.is", { question: q, answer: option(c.answer, c.is) });
    if ("in" in c) return say("staff:graph.is", { question: q, answer: c.in.map((v) => option(c.answer, v)).join(or) });
    if ("includes" in c) return say("staff:graph.includes", { question: q, answer: option(c.answer, c.includes) });
    if ("skipped" in c) return c.skipped ? say("staff:graph.skipped", { question: q }) : say("staff:graph.not_skipped", { question: q });
    if ("answered" in c)
      return c.answered ? say("staff:graph.answered", { question: q }) : say("staff:graph.not_answered", { question: q });
    if ("during" in c) return say("staff:graph.during", { question: q, from: c.during.from, to: c.during.to });
    if ("mentions" in c) return say("staff:graph.mentions", { question: q, words: c.mentions.map(quoted).join(or) });
    if (c.gte !== undefined && c.lte !== undefined)
      return say("staff:graph.between", { question: q, min: String(c.gte), max: String(c.lte) });
    if (c.gte !== undefined) return say("staff:graph.at_least", { question: q, min: String(c.gte) });
    return say("staff:graph.at_most", { question: q, max: String(c.lte) });
  };
  // A part that is itself joined by "and" or "or" is put in brackets, so "A or B and C" cannot be misread.
  const part = (x: string) => (x.includes(and) || x.includes(or) ? `(${x})` : x);
  return (c) =>
    foldCondition<string>(c, {
      leaf,
      all: (xs) => (xs.length > 1 ? xs.map(part) : xs).join(and),
      any: (xs) => (xs.length > 1 ? xs.map(part) : xs).join(or),
      not: (x) => say("staff:graph.not", { condition: x }),
    });
}

export function flowToMermaid(set: FlowSet, flowId: string, t: TFunction): string {
  const id = (ref: string) => ref.replace("/", "__");
  const describe = describer(set, t);
  const text = (key: string) => label(t(key) as string);
  const lines = ["flowchart TD"];
  const nodes = [...set.nodes.values()].filter((n) => n.flow === flowId);
  for (const n of nodes) {
    const [open, close] = SHAPES[n.type];
    const body = n.type === "route" ? "" : `: ${text(n.textKey)}`;
    const skippable = isQuestion(n) && !n.required ? ` (${text("staff:graph.skippable")})` : "";
    lines.push(`  ${id(n.ref)}${open}"${n.id}${body}${skippable}"${close}`);
  }
  for (const n of nodes) {
    for (const o of optionsOf(n)) if (o.next) lines.push(`  ${id(n.ref)} -->|"${text(o.labelKey)}"| ${id(o.next)}`);
    // A choice's own next is taken by the options without a next of their own, and when it is skipped.
    const rest = optionsOf(n)
      .filter((o) => !o.next)
      .map((o) => text(o.labelKey));
    if (n.type === "choice" && !n.required) rest.push(text("staff:graph.skip"));
    for (const r of n.next) {
      const why = r.if
        ? label(t("staff:graph.if", { condition: describe(r.if) }) as string)
        : n.next.length > 1
          ? text("staff:graph.otherwise")
          : n.type === "choice" && rest.length
            ? rest.join(" / ")
            : "";
      if (!set.nodes.has(r.goto)) continue;
      const external = nodeAt(set, r.goto).flow !== flowId;
      if (external && !lines.some((l) => l.startsWith(`  ${id(r.goto)}`))) lines.push(`  ${id(r.goto)}>"→ ${r.goto}"]`);
      lines.push(`  ${id(n.ref)} -->${why ? `|"${why}"|` : ""} ${id(r.goto)}`);
    }
  }
  return lines.join("\n");
}
