/**
 * `npm run flows:graph [-- --lang ru --out docs/flows]`: writes one Markdown file per flow with
 * its Mermaid diagram (GitHub and most Markdown viewers draw it), labelled in the chosen language.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadContent } from "../content/load.js";
import { flowToMermaid } from "../flow/mermaid.js";
import { isLang } from "../i18n/index.js";
import { toolArgs } from "./args.js";

const { values } = toolArgs(
  {
    options: {
      lang: { type: "string", default: "en" },
      out: { type: "string", default: "docs/flows" },
      help: { type: "boolean", short: "h" },
    },
  },
  "Usage: npm run flows:graph [-- --lang <language>] [--out <folder>] (--help says more)",
);
if (values.help) {
  console.log(`npm run flows:graph [-- --lang <language>] [--out <folder>]

Writes one Markdown file per flow, with its Mermaid diagram, into <folder> (default docs/flows).
  --lang   kk, uz-Latn, uz-Cyrl, ru or en (default en): the language of the questions, the options,
           the conditions on the arrows ("if the answer to … is …") and the "can be skipped" marks.
  --out    the folder to write to.
FLOWS_DIR and LOCALES_DIR (default flows and locales) say where the content is read from.`);
  process.exit(0);
}
if (!isLang(values.lang)) {
  console.error(`flows:graph: --lang must be one of kk, uz-Latn, uz-Cyrl, ru, en`);
  process.exit(1);
}
const { flows, i18n } = loadContent(process.env["FLOWS_DIR"] ?? "flows", process.env["LOCALES_DIR"] ?? "locales");
const t = i18n.getFixedT(values.lang);
mkdirSync(values.out, { recursive: true });
for (const flow of flows.flows.values()) {
  const file = join(values.out, `${flow.id}.md`);
  writeFileSync(
    file,
    `# ${t("staff:graph.title", { flow: flow.id, version: flow.version, language: t(`common:language.names.${values.lang}`) })}\n\n${t("staff:graph.generated", { file: flow.file })}\n\n\`\`\`mermaid\n${flowToMermaid(flows, flow.id, t)}\n\`\`\`\n`,
  );
  console.log(`wrote ${file}`);
}
