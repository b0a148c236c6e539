/**
 * `npm run flows:check`: validates every flow and every locale, and prints each problem with
 * its file and node. Exits 1 if anything is wrong, so CI and flow editors see it at once.
 */
import { loadContent } from "../content/load.js";
import { FlowProblems, formatProblem } from "../flow/model.js";

const flowsDir = process.env["FLOWS_DIR"] ?? "flows";
const localesDir = process.env["LOCALES_DIR"] ?? "locales";
try {
  const { flows } = loadContent(flowsDir, localesDir, true);
  const questions = [...flows.nodes.values()].filter((n) => n.type !== "info" && n.type !== "end").length;
  console.log(`flows:check: ${flows.flows.size} flow(s), ${flows.nodes.size} nodes (${questions} questions), 5 locales: all good.`);
} catch (e) {
  if (e instanceof FlowProblems) {
    console.error(`flows:check found ${e.problems.length} problem(s):`);
    for (const p of e.problems) console.error(`  - ${formatProblem(p)}`);
  } else console.error(`flows:check: ${(e as Error).message}`);
  process.exit(1);
}
