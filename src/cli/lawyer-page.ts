/**
 * `npm run lawyer:page [-- --out qadam-open.html]`: builds the offline page for lawyers as one
 * self-contained HTML file (libsodium, the envelope code and the `lawyer` texts in all five
 * languages bundled in). Give it to partner lawyers with their key; it never goes online.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { readLocales } from "../i18n/index.js";
import { toolArgs } from "./args.js";

export async function buildLawyerPage(localesDir = "locales", verifyKey = ""): Promise<string> {
  const locales = readLocales(localesDir);
  const lawyerOnly = Object.fromEntries(Object.entries(locales).map(([lang, ns]) => [lang, { lawyer: ns["lawyer"] ?? {} }]));
  const bundle = await build({
    entryPoints: [new URL("../lawyer/page.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    write: false,
    define: { QADAM_LOCALES: JSON.stringify(lawyerOnly), QADAM_VERIFY_KEY: JSON.stringify(verifyKey) },
    // libsodium asks for Node modules only when it runs under Node.
    external: ["fs", "path", "crypto"],
    logLevel: "silent",
  });
  const js = (bundle.outputFiles[0]?.text ?? "").replace(/<\/script/gi, "<\\/script");
  const template = readFileSync(new URL("../lawyer/page.html", import.meta.url), "utf8");
  return template.replace("/*QADAM_BUNDLE*/", () => js);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "\0")) {
  // --verify: the NGO's verify key, built in, so the page checks who signed every file it opens.
  const { values } = toolArgs(
    { options: { out: { type: "string", default: "qadam-open.html" }, verify: { type: "string" } } },
    "Usage: npm run lawyer:page -- [--verify <Qadam verify key>] [--out <file.html>]",
  );
  if (values.verify && !/^[A-Za-z0-9_-]{43}$/.test(values.verify)) {
    console.error("--verify must be the 43-character verify key (npm run keys:signing prints it).");
    process.exit(2);
  }
  const html = await buildLawyerPage("locales", values.verify ?? "");
  writeFileSync(values.out, html);
  console.log(`wrote ${values.out} (${Math.round(html.length / 1024)} KiB)`);
}
