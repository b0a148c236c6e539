/**
 * Loads `flows/*.yaml`, validates each file with zod and the whole set with graph checks, and
 * compiles it into a {@link FlowSet}. Any problem stops the load with a message that names the
 * file and the node, so a broken flow never reaches a person.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse, YAMLParseError } from "yaml";
import type { z } from "zod";
import { graphProblems } from "./graph.js";
import { type CompiledNode, type CompiledRule, FlowProblems, type FlowSet, type Problem, qualify } from "./model.js";
import { cardsFile, type CardsFile } from "../rights/schema.js";
import { compileCards } from "../rights/load.js";
import { type Condition, flowFile, type FlowFile, isCardsFile, type Next } from "./schema.js";

export interface SourceFile {
  /** Shown in error messages, e.g. `flows/opening.yaml`. */
  path: string;
  text: string;
}

/** Reads every `*.yaml` file in `dir` and loads them as one flow set. */
export function loadFlowsFromDir(dir: string): FlowSet {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));
  return loadFlows(files);
}

/** Parses, validates and compiles flow files; throws {@link FlowProblems} listing every problem found. */
export function loadFlows(files: SourceFile[]): FlowSet {
  const problems: Problem[] = [];
  const parsed: { file: string; flow: FlowFile }[] = [];
  const cardFiles: { file: string; cards: CardsFile }[] = [];
  for (const f of files) {
    let raw: unknown;
    try {
      raw = parse(f.text, { prettyErrors: true });
    } catch (e) {
      const msg = e instanceof YAMLParseError ? e.message.split("\n")[0]! : String(e);
      problems.push({ file: f.path, where: "", message: `not valid YAML: ${msg}` });
      continue;
    }
    // Top-level keys starting with "x-" hold YAML anchors (shared conditions), not data.
    if (raw && typeof raw === "object" && !Array.isArray(raw)) {
      raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith("x-")));
    }
    if (isCardsFile(raw)) {
      const cards = cardsFile.safeParse(raw);
      if (cards.success) cardFiles.push({ file: f.path, cards: cards.data });
      else problems.push(...zodProblems(f.path, cards.error));
      continue;
    }
    const result = flowFile.safeParse(raw);
    if (!result.success) {
      problems.push(...zodProblems(f.path, result.error));
      continue;
    }
    const expected = basename(f.path).replace(/\.ya?ml$/, "");
    if (result.data.id !== expected) {
      problems.push({ file: f.path, where: "id", message: `the flow id "${result.data.id}" must match the file name "${expected}"` });
      continue;
    }
    parsed.push({ file: f.path, flow: result.data });
  }
  if (files.length === 0) problems.push({ file: "flows/", where: "", message: "no flow files found" });
  if (problems.length) throw new FlowProblems(problems);

  const set = compile(parsed, problems);
  if (cardFiles.length > 1) problems.push({ file: cardFiles[1]!.file, where: "", message: `only one cards file is allowed; ${cardFiles[0]!.file} is one already` });
  if (cardFiles[0]) Object.assign(set, compileCards(set, cardFiles[0].file, cardFiles[0].cards, problems));
  problems.push(...graphProblems(set));
  if (problems.length) throw new FlowProblems(problems);
  return set;
}

function zodProblems(file: string, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    file,
    where: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

function compile(parsed: { file: string; flow: FlowFile }[], problems: Problem[]): FlowSet {
  const flows = new Map<string, { id: string; version: number; file: string; start: string }>();
  const nodes = new Map<string, CompiledNode>();
  const contexts = new Set<string>();
  const entries: string[] = [];

  for (const { file, flow } of parsed) {
    if (flows.has(flow.id)) {
      problems.push({ file, where: "id", message: `another file already defines the flow "${flow.id}"` });
      continue;
    }
    flows.set(flow.id, { id: flow.id, version: flow.version, file, start: `${flow.id}/${flow.start}` });
    if (flow.entry) entries.push(flow.id);
    if (!(flow.start in flow.nodes)) {
      problems.push({ file, where: "start", message: `the start node "${flow.start}" does not exist` });
    }
    for (const [id, def] of Object.entries(flow.nodes)) {
      const ref = `${flow.id}/${id}`;
      const ns = flow.id;
      const base: CompiledNode = {
        ref,
        flow: flow.id,
        id,
        file,
        type: def.type,
        textKey: ("text" in def ? def.text : undefined) ?? `${ns}:${id}.text`,
        required: def.type === "end" || def.type === "route" ? true : (def.required ?? false),
        aboutPerson: ("about_person" in def && def.about_person) || false,
        options: [],
        next: [],
      };
      if (def.type !== "end") {
        if ("help" in def && def.help === true) base.help = [{ key: `${ns}:${id}.help` }];
        else if ("help" in def && Array.isArray(def.help)) {
          base.help = def.help.map((h) => ({ key: `${ns}:${id}.${h.text}`, ...(h.if ? { if: qualifyCondition(flow.id, h.if) } : {}) }));
        }
        if (def.next !== undefined) base.next = compileNext(flow.id, def.next);
      }
      switch (def.type) {
        case "choice":
          if (def.result) base.result = true;
          if (def.review) base.review = true;
          base.options = def.options.map((o) => {
            if (o.context) contexts.add(o.context);
            return {
              id: o.id,
              labelKey: o.label ?? `${ns}:${id}.options.${o.id}`,
              ...(o.next ? { next: qualify(flow.id, o.next) } : {}),
              ...(o.context ? { context: o.context } : {}),
            };
          });
          break;
        case "multi":
          base.options = def.options.map((o) => ({
            id: o.id,
            labelKey: o.label ?? `${ns}:${id}.options.${o.id}`,
            ...(o.exclusive ? { exclusive: true } : {}),
          }));
          if (def.summary) base.summaryKey = `${ns}:${id}.summary`;
          break;
        case "end":
          if (def.result) base.result = true;
          if (def.final) base.final = true;
          if (def.action) base.action = def.action;
          break;
        case "text":
          base.maxLength = def.max_length;
          break;
        case "number":
          base.min = def.min;
          base.max = def.max;
          break;
        case "date":
          base.allowFuture = def.allow_future;
          break;
      }
      nodes.set(ref, base);
    }
  }
  if (entries.length !== 1) {
    problems.push({
      file: "flows/",
      where: "entry",
      message:
        entries.length === 0
          ? "no flow is marked `entry: true`"
          : `only one flow may be marked \`entry: true\`, found: ${entries.join(", ")}`,
    });
  }
  const entryFlow = flows.get(entries[0] ?? "");
  return { entry: entryFlow?.start ?? "", flows, nodes, contexts: [...contexts].sort(), cards: [] };
}

function compileNext(flow: string, next: Next): CompiledRule[] {
  if (typeof next === "string") return [{ goto: qualify(flow, next) }];
  return next.map((r) => ({ goto: qualify(flow, r.goto), ...(r.if ? { if: qualifyCondition(flow, r.if) } : {}) }));
}

function qualifyCondition(flow: string, c: Condition): Condition {
  if ("all" in c) return { all: c.all.map((x) => qualifyCondition(flow, x)) };
  if ("any" in c) return { any: c.any.map((x) => qualifyCondition(flow, x)) };
  if ("not" in c) return { not: qualifyCondition(flow, c.not) };
  return { ...c, answer: qualify(flow, c.answer) };
}
