/**
 * `npm run flows:check` on the real content, and on broken copies of it: one test per class of
 * mistake a flow editor or translator can make, each expecting a message that names the file and
 * the node or key.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadContent } from "../src/content/load.js";
import { flowToMermaid, label } from "../src/flow/mermaid.js";
import { FlowProblems, formatProblem, isQuestion } from "../src/flow/model.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: locale JSON is edited freely here, to put one mistake in.
type Json = Record<string, any>;

/** A copy of flows/ and locales/ with one mistake put in; returns the problems the check reports. */
function problemsWith(edit: {
  flow?: (yaml: string) => string;
  files?: Record<string, string>;
  locale?: [lang: string, ns: string, change: (j: Json) => void][];
}): string[] {
  const root = mkdtempSync(join(tmpdir(), "qadam-flows-"));
  dirs.push(root);
  cpSync("flows", join(root, "flows"), { recursive: true });
  cpSync("locales", join(root, "locales"), { recursive: true });
  const opening = join(root, "flows", "opening.yaml");
  if (edit.flow) writeFileSync(opening, edit.flow(readFileSync(opening, "utf8")));
  for (const [name, text] of Object.entries(edit.files ?? {})) writeFileSync(join(root, name), text);
  for (const [lang, ns, change] of edit.locale ?? []) {
    const file = join(root, "locales", lang, `${ns}.json`);
    const json = JSON.parse(readFileSync(file, "utf8")) as Json;
    change(json);
    writeFileSync(file, JSON.stringify(json, null, 2));
  }
  try {
    loadContent(join(root, "flows"), join(root, "locales"), true);
    return [];
  } catch (e) {
    if (!(e instanceof FlowProblems)) throw e;
    return e.problems.map((p) => formatProblem(p).replaceAll(`${root}/`, ""));
  }
}

const addNodes = (yaml: string, nodes: string) => yaml.replace("nodes:\n", `nodes:\n${nodes}`);

describe("flows:check", () => {
  it("passes on the flows and locales in the repository", () => {
    const out = execFileSync("npx", ["tsx", "src/cli/flows-check.ts"], { encoding: "utf8" });
    expect(out).toMatch(/all good/);
  });

  it("names the file and node of a schema error", () => {
    const p = problemsWith({ flow: (y) => y.replace("  country:\n    type: choice", "  country:\n    type: choise") });
    expect(p.join("\n")).toMatch(/flows\/opening\.yaml › nodes\.country\.type: /);
  });

  it("reports YAML that does not parse", () => {
    expect(problemsWith({ flow: (y) => `${y}\n  broken: [\n` }).join("\n")).toMatch(/flows\/opening\.yaml: not valid YAML/);
  });

  it("reports a jump to a node that does not exist", () => {
    const p = problemsWith({ flow: (y) => y.replace("next: consent", "next: consnet") });
    expect(p).toContain(
      'flows/opening.yaml › nodes.about.next: goes to "opening/consnet", which does not exist; did you mean "opening/consent"?',
    );
  });

  it("reports a node nobody can reach", () => {
    const p = problemsWith({ flow: (y) => addNodes(y, "  orphan:\n    type: end\n") });
    expect(p.join("\n")).toMatch(/nodes\.orphan: cannot be reached from the start/);
  });

  it("reports a trap: nodes from which no end can be reached", () => {
    const p = problemsWith({
      flow: (y) =>
        addNodes(
          y.replace("      - id: not_now\n        next: not_now", "      - id: not_now\n        next: loop_a"),
          "  loop_a:\n    type: info\n    next: loop_b\n  loop_b:\n    type: info\n    next: loop_a\n",
        ),
    });
    expect(p.join("\n")).toMatch(/nodes\.loop_a: cannot reach an end node/);
  });

  it("reports a loop even when it has a way out", () => {
    const p = problemsWith({
      flow: (y) =>
        y.replace(
          "    next: legal/intro\n",
          "    next:\n      - if: { answer: country, is: kz }\n        goto: who\n      - goto: legal/intro\n",
        ),
    });
    expect(p.join("\n")).toMatch(/is part of a loop \(opening\/(who|country) → /);
  });

  it("reports a condition on an option that does not exist", () => {
    const p = problemsWith({
      flow: (y) =>
        y.replace(
          "    next: legal/intro\n",
          "    next:\n      - if: { answer: country, in: [kz, fr] }\n        goto: legal/intro\n      - goto: other_country\n",
        ),
    });
    expect(p).toContain('flows/opening.yaml › nodes.country.next.0.if: "opening/country" has no option "fr"');
  });

  it("reports a source cited on a condition over a question that does not exist", () => {
    const problems = problemsWith({
      files: {
        "flows/rights.yaml": readFileSync("flows/rights.yaml", "utf8").replace(
          '{ source: iccpr_op, at: "5", if: { answer: opening/country',
          '{ source: iccpr_op, at: "5", if: { answer: opening/homeland',
        ),
      },
    });
    expect(problems.join("\n")).toMatch(
      /flows\/rights\.yaml › cards\.\d+ \(cat_redress\)\.cite\.5\.if: the condition asks about "opening\/homeland", which does not exist/,
    );
  });

  it("reports a question that can be skipped but has nowhere to go when skipped", () => {
    const p = problemsWith({ flow: (y) => y.replace("        next: person_knows\n    next: country\n", "        next: person_knows\n") });
    expect(p.join("\n")).toMatch(/nodes\.who\.next: options self have no next and the node has none either/);
    expect(p.join("\n")).toMatch(/nodes\.who\.next: a question that can be skipped needs a node-level next/);
  });

  it("reports two entry flows", () => {
    const p = problemsWith({
      files: { "flows/second.yaml": "id: second\nversion: 1\nentry: true\nstart: a\nnodes:\n  a:\n    type: end\n" },
    });
    expect(p.join("\n")).toMatch(/only one flow may be marked `entry: true`, found: opening, second/);
  });

  it("reports a missing text in one language", () => {
    const p = problemsWith({ locale: [["kk", "opening", (j) => delete j.country.options.uz]] });
    // Told once, with what needs it.
    expect(p).toContain(
      "locales/kk/opening.json › opening:country.options.uz: is missing; needed by flows/opening.yaml › nodes.country.options.uz",
    );
    expect(p.filter((x) => x.includes("opening:country.options.uz")).length).toBe(1);
  });

  it("reports a missing _family variant on a question about the person", () => {
    const p = problemsWith({ locale: [["ru", "opening", (j) => delete j.country.text_family]] });
    expect(p.join("\n")).toMatch(
      /locales\/ru\/opening\.json › opening:country\.text_family: is missing; needed by flows\/opening\.yaml › nodes\.country \(about_person, context "family"\)/,
    );
  });

  it("reports a Russian plural form that is missing", () => {
    const p = problemsWith({ locale: [["ru", "common", (j) => delete j.retention_few]] });
    expect(p).toContain("locales/ru/common.json › common:retention: needs the plural form(s) common:retention_few");
  });

  it("reports placeholders that differ between languages", () => {
    const p = problemsWith({
      locale: [["uz-Cyrl", "common", (j) => (j.errors.number = String(j.errors.number).replace("{{max}}", "{{maks}}"))]],
    });
    expect(p.join("\n")).toMatch(/locales\/uz-Cyrl\/common\.json › common:errors\.number: placeholders differ from English/);
  });

  it("reports an empty text", () => {
    const p = problemsWith({ locale: [["uz-Latn", "opening", (j) => (j.who.text = " ")]] });
    expect(p).toContain("locales/uz-Latn/opening.json › opening:who.text: is empty");
  });

  it("reports HTML that Telegram would refuse", () => {
    const p = problemsWith({
      locale: [
        ["kk", "common", (j) => (j.mydata.none = "A & B")],
        ["en", "opening", (j) => (j.other_country.text = "<b>For now")],
      ],
    });
    expect(p.join("\n")).toMatch(
      /locales\/kk\/common\.json › common:mydata\.none: Telegram would refuse it: can't parse entities: bare "&"/,
    );
    expect(p.join("\n")).toMatch(/locales\/en\/opening\.json › opening:other_country\.text: Telegram would refuse it: .*not closed/);
  });

  it("reports a key that nothing uses", () => {
    const p = problemsWith({ locale: [["en", "opening", (j) => (j.who.options.cousin = "A cousin")]] });
    expect(p).toContain("locales/en/opening.json › opening:who.options.cousin: is not used by any flow or code: remove it");
  });

  it("reports a button label a phone would cut, counting the mark of a multi-choice option", () => {
    const p = problemsWith({
      locale: [
        ["ru", "opening", (j) => (j.who.options.other = "Кто-то другой, например сотрудник")], // 33 characters, a choice
        ["kk", "opening", (j) => (j.who.options.self = "Мен өзім туралы жазып отырмын-ау")], // 32
        ["en", "opening", (j) => (j.who.options.relative = "A relative, the person I help.")], // 30: fits a choice
        ["uz-Latn", "needs", (j) => (j.areas.options.work = "Ish: ishdan boʻshatilgan, yoʻq")], // 30: too long for a multi (28)
        ["en", "common", (j) => (j.buttons.keep = "Keep the answer I gave before, please")], // 37, a bot button
      ],
    });
    const all = p.join("\n");
    expect(p).toContain(
      'locales/ru/opening.json › opening:who.options.other: the button label is 33 characters in ru, over 30, so a phone cuts it: "Кто-то другой, например сотрудник" (flows/opening.yaml › nodes.who.options.other). Shorten it, key word first',
    );
    expect(all).toMatch(/locales\/kk\/opening\.json › opening:who\.options\.self: the button label is 32 characters in kk/);
    expect(all).not.toMatch(/opening:who\.options\.relative: the button label/);
    expect(all).toMatch(
      /locales\/uz-Latn\/needs\.json › needs:areas\.options\.work: the button label is 30 characters in uz-Latn, over 28 \(30 less the ✅\/▫️ mark of a multi-choice option\)/,
    );
    expect(all).toMatch(
      /locales\/en\/common\.json › common:buttons\.keep: the button label is 37 characters in en, over 30, .*\(a button of the bot\)/,
    );
    expect(p.filter((x) => x.includes("the button label")).length).toBe(4);
  });

  it("reports a question's short label too long for its change button, and a missing one", () => {
    const p = problemsWith({
      locale: [
        ["ru", "legal", (j) => (j.pending.short = "Жалоба на рассмотрении в суде")], // "✏ 32 · " + 29 = 36
        ["en", "legal", (j) => (j.overturned.short = "Conviction cancelled ok")], // "✏ 32 · " + 23 = 30: fits
        ["kk", "needs", (j) => delete j.note.short],
      ],
    });
    const all = p.join("\n");
    expect(p).toContain(
      'locales/ru/legal.json › legal:pending.short: the change button is 36 characters in ru, over 30, so a phone cuts it: "✏ 32 · Жалоба на рассмотрении в суде" (flows/legal.yaml › nodes.pending). Shorten the short label, key word first',
    );
    expect(all).not.toMatch(/legal:overturned\.short: the change button/);
    expect(all).toMatch(
      /locales\/kk\/needs\.json › needs:note\.short: is missing; needed by flows\/needs\.yaml › nodes\.note \(the short label on its change button\)/,
    );
  });

  it("reports every layer's problems at once: a file that fails the schema, the graph of the others, the texts", () => {
    const legal = readFileSync("flows/legal.yaml", "utf8").replace(
      "  closed_ground:\n    type: choice",
      "  closed_ground:\n    type: choise",
    );
    const p = problemsWith({
      files: { "flows/legal.yaml": legal },
      flow: (y) => y.replace("next: consent", "next: consnet"),
      locale: [["ru", "needs", (j) => delete j.work.options.study]],
    });
    const all = p.join("\n");
    expect(all).toMatch(/flows\/legal\.yaml › nodes\.closed_ground\.type: /);
    expect(all).toMatch(/flows\/opening\.yaml › nodes\.about\.next: goes to "opening\/consnet"/);
    expect(all).toMatch(/locales\/ru\/needs\.json › needs:work\.options\.study: is missing; needed by flows\/needs\.yaml/);
    // What only echoes the failed file is not told: jumps into it, the cards' conditions on it, its texts as unused.
    expect(all).not.toMatch(/"legal\/[a-z_]+", which does not exist|legal:[\w.]+: is not used/);
    expect(all).not.toMatch(/cannot be reached/);
  });

  it("suggests the nearest existing name for a typo: a question in a condition, an option, a locale key", () => {
    const p = problemsWith({
      flow: (y) =>
        y.replace(
          "    next: legal/intro\n",
          "    next:\n      - if: { answer: countyr, in: [kz] }\n        goto: legal/intro\n      - if: { answer: country, is: kx }\n        goto: legal/intro\n      - goto: other_country\n",
        ),
      locale: [
        [
          "uz-Cyrl",
          "opening",
          (j) => {
            j.who.optoins = j.who.options;
            delete j.who.options;
          },
        ],
      ],
    });
    expect(p).toContain(
      'flows/opening.yaml › nodes.country.next.0.if: the condition asks about "opening/countyr", which does not exist; did you mean "opening/country"?',
    );
    expect(p).toContain('flows/opening.yaml › nodes.country.next.1.if: "opening/country" has no option "kx"; did you mean "kz"?');
    expect(p.join("\n")).toMatch(
      /locales\/uz-Cyrl\/opening\.json › opening:who\.optoins\.self: is not in English \(en\): remove it or add it there; did you mean "opening:who\.options\.self"\?/,
    );
  });

  it("names each problem once", () => {
    const p = problemsWith({
      flow: (y) =>
        y.replace(
          "    next: legal/intro\n",
          "    next:\n      - if: { all: [{ answer: country, in: [kz, fr] }, { answer: country, in: [fr, kz] }] }\n        goto: legal/intro\n      - goto: other_country\n",
        ),
    });
    expect(p.filter((x) => x.includes('has no option "fr"'))).toEqual([
      'flows/opening.yaml › nodes.country.next.0.if: "opening/country" has no option "fr"',
    ]);
    expect(new Set(p).size).toBe(p.length);
  });

  it("counts as questions only the nodes that ask something: not info, end or route nodes", () => {
    const out = execFileSync("npx", ["tsx", "src/cli/flows-check.ts"], { encoding: "utf8" });
    const { flows } = loadContent("flows", "locales");
    const nodes = [...flows.nodes.values()];
    const routes = nodes.filter((n) => n.type === "route").length;
    expect(routes).toBeGreaterThan(0);
    expect(out).toContain(`${nodes.length} nodes (${nodes.filter(isQuestion).length} questions, ${routes} route nodes)`);
  });

  it("reports a locale without its review state", () => {
    const p = problemsWith({ files: { "locales/kk/_meta.json": "{}" } });
    expect(p.join("\n")).toMatch(/locales\/kk\/_meta\.json › review\.state: must say the review state/);
  });

  it("fails when a role the code relies on is missing or given twice", () => {
    const missing = problemsWith({ flow: (y) => y.replace("    role: country\n", "") });
    expect(missing).toContain('flows/ › role: no node has the role "country", which Qadam relies on: add `role: country`');
    const twice = problemsWith({ flow: (y) => y.replace("  who:\n    type: choice\n", "  who:\n    type: choice\n    role: country\n") });
    expect(twice).toContain('flows/ › role: the node role "country" is given to opening/who and opening/country: it must be given once');
  });

  describe("rights cards and their sources", () => {
    const rights = () => readFileSync("flows/rights.yaml", "utf8");

    it("fails when a source has no check date, naming the file and the source", () => {
      const p = problemsWith({ files: { "flows/rights.yaml": rights().replace(/(kz_cpc: \{ url: "[^"]+"), checked: [\d-]+,/, "$1,") } });
      expect(p.join("\n")).toMatch(/flows\/rights\.yaml › sources\.kz_cpc\.checked: every source needs the date it was checked/);
    });

    it("fails when a secondary source is marked official, or an official text is not", () => {
      const p = problemsWith({
        files: {
          "flows/rights.yaml": rights()
            .replace(/(hrw_kz_list: \{ url: "[^"]+", checked: [\d-]+), official: false/, "$1, official: true")
            .replace(/(kz_civil_general: \{ url: "[^"]+", checked: [\d-]+), official: true/, "$1, official: false"),
        },
      });
      expect(p).toContain(
        "flows/rights.yaml › sources.hrw_kz_list: www.hrw.org does not publish official texts: mark it official: false and label it as a secondary source",
      );
      expect(p).toContain("flows/rights.yaml › sources.kz_civil_general: adilet.zan.kz publishes official texts: mark it official: true");
    });

    it("fails when a date or word condition names the wrong kind of question", () => {
      const p = problemsWith({
        files: {
          "flows/rights.yaml": rights()
            .replace("{ answer: legal/released_on, during:", "{ answer: legal/outcome, during:")
            .replace("{ answer: needs/note, mentions:", "{ answer: legal/outcome, mentions:"),
        },
      });
      expect(p.join("\n")).toMatch(/"during" needs a date question, "legal\/outcome" is choice/);
      expect(p.join("\n")).toMatch(/"mentions" needs a text question, "legal\/outcome" is choice/);
    });

    it("fails when a help variant asks about a question that does not exist", () => {
      const legal = readFileSync("flows/legal.yaml", "utf8").replace(
        "{ text: help_kz, if: { answer: opening/country, is: kz } }",
        "{ text: help_kz, if: { answer: opening/land, is: kz } }",
      );
      const p = problemsWith({ files: { "flows/legal.yaml": legal } });
      expect(p).toContain('flows/legal.yaml › nodes.appealed.help.0.if: the condition asks about "opening/land", which does not exist');
    });
  });
});

describe("flows:graph", () => {
  const { flows, i18n } = loadContent("flows", "locales");
  const ru = i18n.getFixedT("ru");
  const charts = new Map([...flows.flows.keys()].map((id) => [id, flowToMermaid(flows, id, ru)]));
  const all = [...charts.values()].join("\n");

  it("words the conditions in the chosen language, with the question and the option as the person sees them", () => {
    const closed = [...flows.nodes.values()].find((n) => n.id === "closed_ground");
    const amnesty = closed && closed.type === "choice" ? closed.options.find((o) => o.id === "amnesty") : undefined;
    if (!closed || !amnesty) throw new Error("the test needs the closed_ground question and its amnesty option");
    expect(all).toContain(`ответ на вопрос «${label(ru(closed.textKey) as string)}» — «${label(ru(amnesty.labelKey) as string)}»`);
    expect(all).toMatch(/-->\|"если /);
    expect(all).toMatch(/-->\|"в остальных случаях"\|/);
    expect(all).not.toMatch(/otherwise|\b[a-z_]+ (in|=|has) [a-z_]+\b|skipped/);
  });

  it("never cuts a text or a label", () => {
    expect(all).not.toMatch(/[^.]…"/);
    for (const n of flows.nodes.values()) {
      const chart = charts.get(n.flow) ?? "";
      if (n.type !== "route") expect(chart).toContain(`"${n.id}: ${label(ru(n.textKey) as string)}`);
      for (const o of n.type === "choice" || n.type === "multi" ? n.options : [])
        if (o.next) expect(chart).toContain(`|"${label(ru(o.labelKey) as string)}"|`);
    }
  });

  it("marks every question that can be skipped, and no other node", () => {
    for (const n of flows.nodes.values()) {
      const line = (charts.get(n.flow) ?? "").split("\n").find((l) => new RegExp(`^  ${n.ref.replace("/", "__")}[[{(]`).test(l)) ?? "";
      const skippable = "required" in n && !n.required;
      expect(line.includes("(можно пропустить)"), n.ref).toBe(skippable);
    }
  });

  it("shows no raw {{placeholder}}", () => {
    expect([...flows.nodes.values()].some((n) => /\{\{/.test(ru(n.textKey) as string))).toBe(true);
    expect(all).not.toMatch(/\{\{\s*[\w.-]+\s*\}\}/);
    // Not even the bare name: the placeholder gives way to "…".
    expect(all).toContain("в зашифрованном виде … после");
    expect(all).not.toMatch(/\b(retention|referral_retention|recipients|code)\b/);
  });

  it("--help names the language option", () => {
    expect(execFileSync("npx", ["tsx", "src/cli/flows-graph.ts", "--help"], { encoding: "utf8" })).toMatch(/--lang/);
  });
});
