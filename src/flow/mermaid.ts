/**
 * A Mermaid diagram of a flow, for NGO staff who review the interview without reading YAML:
 * each node shows its id and the start of its text in one language; each arrow shows the option
 * or the rule that leads along it.
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

/** Mermaid-safe label text: no quotes, brackets or HTML; short. */
function label(s: string, max = 60): string {
  const flat = s
    .replace(/<[^>]+>/g, "")
    .replace(/&[a-z#0-9]+;/gi, " ")
    .replace(/["[\]{}()<>|#;`]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A condition in words, for the diagram's arrows. */
const describe = (c: Condition): string =>
  foldCondition<string>(c, { leaf: describeLeaf, all: (xs) => xs.join(" and "), any: (xs) => xs.join(" or "), not: (x) => `not ${x}` });

function describeLeaf(c: Leaf): string {
  const q = c.answer.split("/")[1];
  if ("is" in c) return `${q} = ${c.is}`;
  if ("in" in c) return `${q} in ${c.in.join(", ")}`;
  if ("includes" in c) return `${q} has ${c.includes}`;
  if ("skipped" in c) return `${q} ${c.skipped ? "skipped" : "not skipped"}`;
  if ("answered" in c) return `${q} ${c.answered ? "answered" : "not answered"}`;
  if ("during" in c) return `${q} during ${c.during.from}…${c.during.to}`;
  if ("mentions" in c) return `${q} mentions ${c.mentions.join(" / ")}`;
  return `${q} ${c.gte !== undefined ? `≥ ${c.gte}` : ""}${c.lte !== undefined ? ` ≤ ${c.lte}` : ""}`.trim();
}

export function flowToMermaid(set: FlowSet, flowId: string, t: TFunction): string {
  const id = (ref: string) => ref.replace("/", "__");
  const lines = ["flowchart TD"];
  const nodes = [...set.nodes.values()].filter((n) => n.flow === flowId);
  for (const n of nodes) {
    const [open, close] = SHAPES[n.type];
    const text = n.type === "route" ? "" : `: ${label(t(n.textKey) as string)}`;
    lines.push(`  ${id(n.ref)}${open}"${n.id}${text}"${close}`);
  }
  for (const n of nodes) {
    for (const o of optionsOf(n)) if (o.next) lines.push(`  ${id(n.ref)} -->|"${label(t(o.labelKey) as string, 30)}"| ${id(o.next)}`);
    const rest = optionsOf(n)
      .filter((o) => !o.next)
      .map((o) => label(t(o.labelKey) as string, 30));
    for (const r of n.next) {
      const why = r.if ? describe(r.if) : n.next.length > 1 ? "otherwise" : n.type === "choice" && rest.length ? rest.join(" / ") : "";
      if (!set.nodes.has(r.goto)) continue;
      const external = nodeAt(set, r.goto).flow !== flowId;
      if (external && !lines.some((l) => l.startsWith(`  ${id(r.goto)}`))) lines.push(`  ${id(r.goto)}>"→ ${r.goto}"]`);
      lines.push(`  ${id(n.ref)} -->${why ? `|"${label(why, 40)}"|` : ""} ${id(r.goto)}`);
    }
    if (isQuestion(n) && !n.required) lines.push(`  %% ${n.id} can be skipped`);
  }
  return lines.join("\n");
}
