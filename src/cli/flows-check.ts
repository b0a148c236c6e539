/**
 * `npm run flows:check`: validates every flow and every locale, and prints every problem of every
 * layer at once (schema, graph, cards, triage rules, texts), each once, with its file and node or
 * key, and a "did you mean" where a name looks like a typo. Exits 1 if anything is wrong, so CI
 * and flow editors see it at once.
 */
import { checkContent } from "../content/load.js";
import { formatProblem, isQuestion } from "../flow/model.js";

const flowsDir = process.env["FLOWS_DIR"] ?? "flows";
const localesDir = process.env["LOCALES_DIR"] ?? "locales";
try {
  const { content, problems } = checkContent(flowsDir, localesDir, true);
  if (problems.length || !content) {
    console.error(`flows:check found ${problems.length} problem(s):`);
    for (const p of problems) console.error(`  - ${formatProblem(p)}`);
    process.exit(1);
  }
  const nodes = [...content.flows.nodes.values()];
  // A question is a node that asks something: not an info screen, an end, or a route (never shown).
  const questions = nodes.filter(isQuestion).length;
  const routes = nodes.filter((n) => n.type === "route").length;
  console.log(
    `flows:check: ${content.flows.flows.size} flow(s), ${nodes.length} nodes (${questions} questions, ${routes} route nodes), 5 locales: all good.`,
  );
} catch (e) {
  console.error(`flows:check: ${(e as Error).message}`);
  process.exit(1);
}
