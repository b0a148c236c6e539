/**
 * The shape of src/, checked: imports point one way (no circle between files, and folders only
 * import the layers below them), features never import each other, and no flow's node id is
 * written in code (the code finds nodes by role). A few lines of our own rather than madge or
 * dependency-cruiser: the rules are ours, and reading `import … from "./x.js"` needs no parser.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRules } from "../src/content/load.js";
import { NODE_ROLES } from "../src/flow/schema.js";

const SRC = "src";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every relative import and re-export of each file (type-only ones too: a circle of types is still a knot). */
const graph = new Map<string, string[]>(
  files(SRC).map((file) => {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)].map((m) =>
      normalize(join(dirname(file), m[1]!.replace(/\.js$/, ".ts"))),
    );
    return [file, targets];
  }),
);

/**
 * Layers, lowest first: a folder (or top-level file) may import its own folder and lower layers
 * only. So the engine never reaches the bot, the rights never reach the referrals, and the
 * content tools run without the bot.
 */
const LAYERS: string[][] = [
  ["telegram", "logger.ts", "ops"],
  ["i18n", "storage"],
  ["flow"],
  ["rights"],
  ["triage"],
  ["referrals", "content"],
  ["lawyer"],
  ["bot"],
  ["config.ts"],
  ["app.ts", "seal-worker.ts"],
  ["serve.ts"],
  ["cli"],
  ["main.ts"],
];
const unitOf = (file: string) => relative(SRC, file).split("/")[0]!;
const layerOf = (unit: string) => LAYERS.findIndex((l) => l.includes(unit));

describe("the layers of src/", () => {
  it("every folder and top-level file has a layer", () => {
    const units = new Set([...graph.keys()].map(unitOf));
    expect([...units].filter((u) => layerOf(u) < 0)).toEqual([]);
  });

  it("imports point one way: each goes to its own folder or a lower layer", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const t of targets) {
        const [from, to] = [unitOf(file), unitOf(t)];
        if (from !== to && layerOf(to) >= layerOf(from)) wrong.push(`${file} → ${t}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("no file is part of an import circle", () => {
    const circles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === "open") circles.push([...stack.slice(stack.indexOf(t)), t].join(" → "));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it("features never import each other", () => {
    const features = [...graph.keys()].filter((f) => f.includes("/bot/features/"));
    const crossing = features.flatMap((f) => (graph.get(f) ?? []).filter((t) => t.includes("/bot/features/")).map((t) => `${f} → ${t}`));
    expect(crossing).toEqual([]);
  });

  it("the check would see a circle and a wrong-way import", () => {
    // The same reading, on two lines of text: the patterns above do find imports.
    const text = 'import { walk } from "../flow/path.js";\nexport { x } from "./y.js";';
    expect([...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)].map((m) => m[1])).toEqual(["../flow/path.js", "./y.js"]);
    expect(layerOf("bot")).toBeGreaterThan(layerOf("flow"));
  });
});

describe("names the code relies on", () => {
  it("no node id of a flow is written in src/: nodes are found by their role", () => {
    const { flows } = loadRules("flows");
    const ids = [...flows.nodes.keys()];
    const flowIds = [...flows.flows.keys()];
    const found: string[] = [];
    for (const file of graph.keys()) {
      const text = readFileSync(file, "utf8");
      for (const ref of ids) if (new RegExp(`["'\`]${ref}["'\`]`).test(text)) found.push(`${file}: ${ref}`);
      for (const flow of flowIds) if (new RegExp(`["'\`]${flow}/`).test(text)) found.push(`${file}: "${flow}/…"`);
    }
    expect(found).toEqual([]);
  });

  it("each role the code relies on is given exactly once", () => {
    const { flows } = loadRules("flows");
    expect([...flows.roles.keys()].sort()).toEqual([...NODE_ROLES].sort());
    expect([...flows.flowRoles.keys()]).toEqual(["referral"]);
  });
});
