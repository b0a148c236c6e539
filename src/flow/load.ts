/**
 * Loads flow files (`flows/*.yaml` except the cards file), validates each with zod and the whole
 * set with graph checks, and compiles it into a {@link FlowSet}. Any problem stops the load with
 * a message that names the file and the node, so a broken flow never reaches a person.
 */
import { parse, YAMLParseError } from "yaml";
import type { z } from "zod";
import { mapLeaves } from "./conditions.js";
import { graphProblems } from "./graph.js";
import {
  type CompiledNode,
  type CompiledRule,
  didYouMean,
  FlowProblems,
  type FlowSet,
  type Problem,
  qualify,
  uniqueProblems,
} from "./model.js";
import { type Condition, type FlowFile, type FlowRole, flowFile, type Next, type NodeDef, type NodeRole } from "./schema.js";

export interface SourceFile {
  /** Shown in error messages, e.g. `flows/opening.yaml`. */
  path: string;
  text: string;
}

/** What the code that uses the flows relies on: each role must exist exactly once. */
export interface Needs {
  nodeRoles?: readonly NodeRole[];
  flowRoles?: readonly FlowRole[];
}

/**
 * Parses a YAML data file. Top-level keys starting with "x-" hold YAML anchors (conditions written
 * once and reused), not data, and are dropped. Returns undefined after recording the problem.
 */
export function parseYaml(f: SourceFile, problems: Problem[]): unknown {
  let raw: unknown;
  try {
    raw = parse(f.text, { prettyErrors: true });
  } catch (e) {
    const msg = e instanceof YAMLParseError ? (e.message.split("\n")[0] ?? e.message) : String(e);
    problems.push({ file: f.path, where: "", message: `not valid YAML: ${msg}` });
    return undefined;
  }
  if (raw && typeof raw === "object" && !Array.isArray(raw))
    return Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith("x-")));
  return raw;
}

export function zodProblems(file: string, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ file, where: issue.path.map(String).join("."), message: issue.message }));
}

/** Parses, validates and compiles flow files; throws {@link FlowProblems} listing every problem found. */
export function loadFlows(files: SourceFile[], needs: Needs = {}): FlowSet {
  const { set, problems } = checkFlows(files, needs);
  if (problems.length) throw new FlowProblems(problems);
  return set;
}

/**
 * Parses, validates and compiles flow files, and reports every problem at once: a file that is not
 * valid YAML or fails the schema cannot be compiled (it is listed in `failed`, by its file name),
 * but the other files are compiled and graph-checked, leaving out only what depends on the failed
 * ones. `set` holds the flows that compiled; use it only to check more, never to run.
 */
export function checkFlows(files: SourceFile[], needs: Needs = {}): { set: FlowSet; problems: Problem[]; failed: string[] } {
  const problems: Problem[] = [];
  const parsed: { file: string; flow: FlowFile }[] = [];
  const failed: string[] = [];
  for (const f of files) {
    const expected = (f.path.split("/").pop() ?? f.path).replace(/\.ya?ml$/, "");
    const raw = parseYaml(f, problems);
    const result = raw === undefined ? undefined : flowFile.safeParse(raw);
    if (!result?.success) {
      if (result) problems.push(...zodProblems(f.path, result.error));
      failed.push(expected);
      continue;
    }
    if (result.data.id !== expected) {
      problems.push({ file: f.path, where: "id", message: `the flow id "${result.data.id}" must match the file name "${expected}"` });
      failed.push(expected, result.data.id);
      continue;
    }
    parsed.push({ file: f.path, flow: result.data });
  }
  if (files.length === 0) problems.push({ file: "flows/", where: "", message: "no flow files found" });

  const set = compile(parsed, problems, needs, failed);
  problems.push(...graphProblems(set, failed));
  return { set, problems: uniqueProblems(problems), failed };
}

function compile(parsed: { file: string; flow: FlowFile }[], problems: Problem[], needs: Needs, failed: readonly string[]): FlowSet {
  const flows = new Map<string, { id: string; version: number; file: string; start: string }>();
  const nodes = new Map<string, CompiledNode>();
  const contexts = new Set<string>();
  const entries: string[] = [];
  const roles = new Map<NodeRole, string[]>();
  const flowRoles = new Map<FlowRole, string[]>();

  for (const { file, flow } of parsed) {
    if (flows.has(flow.id)) {
      problems.push({ file, where: "id", message: `another file already defines the flow "${flow.id}"` });
      continue;
    }
    flows.set(flow.id, { id: flow.id, version: flow.version, file, start: `${flow.id}/${flow.start}` });
    if (flow.entry) entries.push(flow.id);
    if (flow.role) flowRoles.set(flow.role, [...(flowRoles.get(flow.role) ?? []), flow.id]);
    if (!(flow.start in flow.nodes))
      problems.push({
        file,
        where: "start",
        message: `the start node "${flow.start}" does not exist${didYouMean(flow.start, Object.keys(flow.nodes))}`,
      });
    for (const [id, def] of Object.entries(flow.nodes)) {
      const node = compileNode(flow.id, id, file, def);
      for (const o of node.type === "choice" ? node.options : []) if (o.context) contexts.add(o.context);
      if (node.role) roles.set(node.role, [...(roles.get(node.role) ?? []), node.ref]);
      nodes.set(node.ref, node);
    }
  }
  // A failed file may hold the entry or a role: only what the compiled files themselves break is told.
  if (entries.length > 1 || (entries.length === 0 && failed.length === 0)) {
    problems.push({
      file: "flows/",
      where: "entry",
      message:
        entries.length === 0
          ? "no flow is marked `entry: true`"
          : `only one flow may be marked \`entry: true\`, found: ${entries.join(", ")}`,
    });
  }
  const once = <R extends string>(kind: string, found: Map<R, string[]>, needed: readonly R[] | undefined): Map<R, string> => {
    const out = new Map<R, string>();
    for (const [role, refs] of found) {
      if (refs.length > 1)
        problems.push({
          file: "flows/",
          where: "role",
          message: `the ${kind} role "${role}" is given to ${refs.join(" and ")}: it must be given once`,
        });
      else if (refs[0]) out.set(role, refs[0]);
    }
    for (const role of failed.length ? [] : (needed ?? [])) {
      if (!found.has(role))
        problems.push({
          file: "flows/",
          where: "role",
          message: `no ${kind} has the role "${role}", which Qadam relies on: add \`role: ${role}\``,
        });
    }
    return out;
  };
  const entryFlow = flows.get(entries[0] ?? "");
  return {
    entry: entryFlow?.start ?? "",
    flows,
    nodes,
    contexts: [...contexts].sort(),
    roles: once("node", roles, needs.nodeRoles),
    flowRoles: once("flow", flowRoles, needs.flowRoles),
  };
}

/** One node of the schema, compiled: one case per node type. */
function compileNode(flow: string, id: string, file: string, def: NodeDef): CompiledNode {
  const ref = `${flow}/${id}`;
  const base = {
    ref,
    flow,
    id,
    file,
    textKey: ("text" in def ? def.text : undefined) ?? `${flow}:${id}.text`,
    aboutPerson: ("about_person" in def && def.about_person) || false,
    sensitive: ("sensitive" in def && def.sensitive) || false,
    next: "next" in def && def.next !== undefined ? compileNext(flow, def.next) : [],
    ...("role" in def && def.role ? { role: def.role } : {}),
    ...helpOf(flow, id, def),
  };
  const label = (o: { id: string; label?: string | undefined }) => o.label ?? `${flow}:${id}.options.${o.id}`;
  switch (def.type) {
    case "info":
      return { ...base, type: "info", danger: def.danger ?? false };
    case "route":
      return { ...base, type: "route" };
    case "end":
      return {
        ...base,
        type: "end",
        result: def.result ?? false,
        final: def.final ?? false,
        ...(def.action ? { action: def.action } : {}),
      };
    case "choice":
      return {
        ...base,
        type: "choice",
        required: def.required ?? false,
        result: def.result ?? false,
        review: def.review ?? false,
        options: def.options.map((o) => ({
          id: o.id,
          labelKey: label(o),
          ...(o.next ? { next: qualify(flow, o.next) } : {}),
          ...(o.context ? { context: o.context } : {}),
        })),
      };
    case "multi":
      return {
        ...base,
        type: "multi",
        required: def.required ?? false,
        options: def.options.map((o) => ({ id: o.id, labelKey: label(o), ...(o.exclusive ? { exclusive: true } : {}) })),
        ...(def.summary ? { summaryKey: `${flow}:${id}.summary` } : {}),
      };
    case "text":
      return { ...base, type: "text", required: def.required ?? false, maxLength: def.max_length };
    case "number":
      return { ...base, type: "number", required: def.required ?? false, min: def.min, max: def.max };
    case "date":
      return { ...base, type: "date", required: def.required ?? false, allowFuture: def.allow_future };
  }
}

function helpOf(flow: string, id: string, def: NodeDef): { help?: CompiledNode["help"] } {
  if (!("help" in def) || !def.help) return {};
  if (def.help === true) return { help: [{ key: `${flow}:${id}.help` }] };
  return { help: def.help.map((h) => ({ key: `${flow}:${id}.${h.text}`, ...(h.if ? { if: qualifyCondition(flow, h.if) } : {}) })) };
}

function compileNext(flow: string, next: Next): CompiledRule[] {
  if (typeof next === "string") return [{ goto: qualify(flow, next) }];
  return next.map((r) => ({ goto: qualify(flow, r.goto), ...(r.if ? { if: qualifyCondition(flow, r.if) } : {}) }));
}

const qualifyCondition = (flow: string, c: Condition): Condition => mapLeaves(c, (l) => ({ ...l, answer: qualify(flow, l.answer) }));
