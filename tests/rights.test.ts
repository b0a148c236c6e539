/**
 * Which rights cards, parts and sources a person's answers lead to: rights evaluation over whole
 * answer profiles, walked through the real flows (every question not named in a profile is
 * skipped, every intro read). Each story is a defect a review of the cards against
 * ../shared/legal-facts.md found, told as the person it would have harmed.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadRules } from "../src/content/load.js";
import { type Answer, prune, startState, step, walk } from "../src/flow/engine.js";
import { isResult } from "../src/flow/model.js";
import { applicableCards, type CardView, citedCountries, needsSummary } from "../src/rights/evaluate.js";
import { answersFor, type Profile } from "./helpers/profile.js";

const { flows: set, cards: cardSet } = loadRules("flows");
const en = JSON.parse(readFileSync("locales/en/rights.json", "utf8")) as Record<string, Record<string, string>>;

type Given = Profile;

const profile = (given: Given) => answersFor(set, given);

const cards = (given: Given): CardView[] => applicableCards(cardSet, profile(given));
const ids = (given: Given) => cards(given).map((c) => c.id);
/** The parts shown on one card, by part name; undefined if the card is not shown. */
const parts = (given: Given, card: string) =>
  cards(given)
    .find((c) => c.id === card)
    ?.parts.map((p) => p.key.split(".").pop()!);
const cites = (given: Given, card: string) => cards(given).find((c) => c.id === card)?.cite ?? [];
const path = (given: Given) => walk(set, profile(given)).path;

describe("rights content: what could cost a person a remedy", () => {
  it("a man in Kazakhstan who served his sentence but was held past the court's term hears that compensation is open to him, with its 6 months", () => {
    const held = { "opening/country": "kz", "legal/outcome": "served", "legal/coercion": ["held_too_long"] };
    expect(ids(held)[0]).toBe("kz_compensation"); // its deadline comes first
    expect(parts(held, "kz_compensation")).toEqual(["deadline", "partial", "heads", "next"]);
    expect(parts(held, "kz_no_compensation")).toContain("still_open");
    expect(en["kz_no_compensation"]!["body"]).not.toMatch(/stays closed unless/);
    // The same person with a reduced charge, or unlawful covert surveillance, too.
    expect(ids({ "opening/country": "kz", "legal/outcome": "parole", "legal/coercion": ["charge_reduced"] })).toContain("kz_compensation");
    expect(ids({ "opening/country": "kz", "legal/outcome": "served", "legal/coercion": ["covert"] })).toContain("kz_compensation");
    // Without any of it, the card is not shown; the route is still named on the card that says what is closed.
    expect(ids({ "opening/country": "kz", "legal/outcome": "served", "legal/coercion": ["none"] })).not.toContain("kz_compensation");
    expect(parts({ "opening/country": "kz", "legal/outcome": "served" }, "kz_no_compensation")).toContain("still_open");
  });

  it("after a pardon the art. 38(2) claim comes with a warning that a lawyer must check the pardon exclusion", () => {
    expect(parts({ "opening/country": "kz", "legal/outcome": "pardon", "legal/coercion": ["held_too_long"] }, "kz_compensation")).toContain(
      "partial_check",
    );
    expect(
      parts({ "opening/country": "kz", "legal/outcome": "served", "legal/coercion": ["held_too_long"] }, "kz_compensation"),
    ).not.toContain("partial_check");
  });

  it("the question about being held too long is asked in Kazakh conviction cases only", () => {
    expect(path({ "opening/country": "kz", "legal/outcome": "served" })).toContain("legal/coercion");
    expect(path({ "opening/country": "kz", "legal/outcome": "still_detained" })).toContain("legal/coercion");
    expect(path({ "opening/country": "uz", "legal/outcome": "served" })).not.toContain("legal/coercion");
    expect(path({ "opening/country": "kz", "legal/outcome": "acquitted" })).not.toContain("legal/coercion");
  });

  it("a survivor who ticks only “Work” is still asked about ill-treatment, and hears of redress", () => {
    for (const areas of [["work"], ["none"], ["money", "safety"], ["health"]]) {
      expect(path({ "needs/areas": areas }), areas.join()).toContain("needs/ill_treated");
    }
    // Announced first: by the health intro where health was chosen, by its own intro otherwise.
    expect(path({ "needs/areas": ["work"] })).toContain("needs/ill_intro");
    expect(path({ "needs/areas": ["health"] })).not.toContain("needs/ill_intro");
    const survivor = { "opening/country": "kz", "legal/outcome": "served", "needs/areas": ["work"], "needs/ill_treated": "yes" };
    expect(ids(survivor)).toEqual(expect.arrayContaining(["cat_redress", "hrc"]));
    expect(ids({ ...survivor, "opening/who": "relative", "opening/person_knows": "agrees" })).toContain("family_redress");
  });

  it("no one who may still be inside the 15 days reads that the appeal is closed (Kazakhstan)", () => {
    const detained = { "opening/country": "kz", "legal/outcome": "still_detained", "legal/appealed": "no" };
    expect(ids(detained)[0]).toBe("kz_review");
    expect(parts(detained, "kz_review")).toEqual(["recent", "body", "not_appealed", "new_facts"]);
    expect(en["kz_review"]!["not_appealed"]).toMatch(/^<b>If the verdict entered into force without an appeal/);
    expect(en["kz_review"]!["recent"]).toMatch(/15 days have not passed.*appeal now/);
    // Someone who served the sentence is long past the 15 days: no "appeal now".
    expect(parts({ "opening/country": "kz", "legal/outcome": "served", "legal/appealed": "no" }, "kz_review")).not.toContain("recent");
    // An appeal already made: nothing to rush.
    expect(parts({ "opening/country": "kz", "legal/outcome": "still_detained", "legal/appealed": "yes" }, "kz_review")).not.toContain(
      "recent",
    );
  });

  it("in Uzbekistan the 10 days are counted from the pronouncement, to be safe", () => {
    const detained = { "opening/country": "uz", "legal/outcome": "still_detained" };
    expect(ids(detained)[0]).toBe("uz_review");
    expect(parts(detained, "uz_review")).toEqual(["recent", "body"]);
    expect(en["uz_review"]!["recent"]).toMatch(/10 days.*pronounced/);
  });
});

describe("rights content: routes completed", () => {
  it("the Committee against Torture and the Human Rights Committee warn that they exclude each other", () => {
    const survivor = { "opening/country": "kz", "legal/outcome": "served", "needs/ill_treated": "yes" };
    expect(parts(survivor, "cat_redress")).toContain("one_body");
    expect(parts(survivor, "hrc")).toContain("one_body");
    expect(parts({ ...survivor, "opening/country": "uz" }, "cat_redress")).toContain("one_body");
  });

  it("a pardon can bring ICCPR art. 14(6) compensation if a new fact showed a miscarriage of justice, unless the person hid it", () => {
    const pardoned = { "opening/country": "uz", "legal/outcome": "pardon" };
    expect(parts(pardoned, "iccpr_14_6")).toEqual(["pardon", "exception"]);
    expect(parts({ "opening/country": "kz", "legal/outcome": "served", "legal/overturned": "yes" }, "iccpr_14_6")).toEqual([
      "body",
      "exception",
    ]);
  });

  it("the Working Group is shown for a fabricated ordinary charge, for anyone still detained, and in any country", () => {
    expect(ids({ "opening/country": "kz", "legal/outcome": "served", "legal/charge": ["other"], "legal/unfair": "yes" })).toContain("wgad");
    expect(ids({ "opening/country": "uz", "legal/outcome": "still_detained", "legal/charge": ["other"] })).toContain("wgad");
    expect(ids({ "opening/country": "other", "legal/outcome": "served", "legal/unfair": "yes" })).toContain("wgad");
    expect(ids({ "opening/country": "kz", "legal/outcome": "served", "legal/charge": ["other"], "legal/unfair": "no" })).not.toContain(
      "wgad",
    );
  });

  it("ICCPR art. 9(5) is named wherever there was detention, most of all where the national routes close", () => {
    const served = { "opening/country": "kz", "legal/outcome": "served" };
    expect(parts(served, "iccpr_9_5")).toEqual(["body", "closed", "wgad"]);
    expect(parts({ "opening/country": "uz", "legal/outcome": "still_detained" }, "iccpr_9_5")).toEqual(["body", "wgad"]);
    expect(parts(served, "hrc")).toContain("art9");
    expect(ids({ "opening/country": "kz", "legal/outcome": "acquitted" })).not.toContain("iccpr_9_5");
  });

  it("someone who does not know how the case ended learns how to find out, which clock may be running, and the review card", () => {
    const unknown = { "opening/country": "kz", "legal/outcome": "dont_know" };
    expect(ids(unknown).slice(0, 2)).toEqual(["outcome_unknown", "kz_review"]);
    expect(parts(unknown, "outcome_unknown")).toEqual(["kz", "body"]);
    expect(en["outcome_unknown"]!["kz"]).toMatch(/6 months/);
    expect(parts({ "opening/country": "uz", "legal/outcome": "dont_know" }, "outcome_unknown")).toEqual(["uz", "body", "uz_papers"]);
    expect(ids({ "opening/country": "uz", "legal/outcome": "dont_know" })).toContain("uz_review");
  });

  it("Kazakh compensation: self-incrimination only in the investigation and trial; 3 years in art. 178; art. 41 with residence and 14 days", () => {
    expect(en["kz_compensation"]!["heads"]).toMatch(
      /during the investigation or the trial.*not about a later request for a pardon or parole/s,
    );
    expect(en["kz_compensation"]!["moral"]).toMatch(/3 years \(Civil Code, art\. 178\)/);
    expect(en["kz_compensation"]!["moral"]).toMatch(/place of residence in writing, within 14 days/);
    const acquitted = { "opening/country": "kz", "legal/outcome": "acquitted" };
    expect(cites(acquitted, "kz_compensation").map((c) => c.at)).toContain("178, 187");
  });

  it("the Uzbek cassation and revision structure is hedged", () => {
    expect(en["uz_review"]!["body"]).toMatch(/which we could not check in the Code itself/);
  });

  it("a mother asking for a son still detained in Uzbekistan gets the Ombudsman route and the Working Group", () => {
    const mother = {
      "opening/who": "relative",
      "opening/person_knows": "cannot_ask",
      "opening/country": "uz",
      "legal/outcome": "still_detained",
    };
    expect(ids(mother)).toEqual(expect.arrayContaining(["detained", "wgad"]));
    // The family's part (a dated record, copies, a lawyer's visit and complaints) for a relative only.
    expect(parts(mother, "detained")).toEqual(["uz", "family", "wgad"]);
    expect(parts({ ...mother, "opening/country": "kz" }, "detained")).toEqual(["kz", "family", "wgad"]);
    const { "opening/person_knows": _, ...alone } = mother;
    expect(parts({ ...alone, "opening/who": "self" }, "detained")).toEqual(["uz", "wgad"]);
  });
});

describe("rights content: shown only when it applies", () => {
  it("the 1993 law card only for a Kazakh who mentions that law", () => {
    const base = { "opening/country": "kz", "legal/outcome": "served" };
    expect(ids(base)).not.toContain("kz_1993_law");
    expect(ids({ ...base, "needs/note": "Можно ли по закону 1993 года?" })).toContain("kz_1993_law");
    expect(ids({ ...base, "needs/note": "саяси қуғын-сүргін құрбаны" })).toContain("kz_1993_law");
    expect(ids({ ...base, "needs/note": "I need a doctor" })).not.toContain("kz_1993_law");
    expect(ids({ "opening/country": "uz", "legal/outcome": "served", "needs/note": "1993" })).not.toContain("kz_1993_law");
  });

  it("the August 2025 pardon is named only where the release date may fit it", () => {
    const pardon = (date: string): Given => ({
      "opening/country": "uz",
      "legal/outcome": "pardon",
      "legal/released_on": date,
      "needs/supervision": ["probation"],
    });
    expect(parts(pardon("2025-08-29"), "uz_no_rehabilitation")).toContain("pardon_2025");
    expect(parts(pardon("2025"), "uz_no_rehabilitation")).toContain("pardon_2025"); // a vague date may fit
    expect(parts(pardon("2025-09"), "supervision_travel")).toContain("uz_pardon");
    expect(parts(pardon("2023-05-01"), "uz_no_rehabilitation")).not.toContain("pardon_2025");
    expect(parts(pardon("2024"), "supervision_travel")).not.toContain("uz_pardon");
    expect(parts({ "opening/country": "uz", "legal/outcome": "pardon" }, "uz_no_rehabilitation")).not.toContain("pardon_2025"); // no date
    expect(cites(pardon("2023-05-01"), "uz_no_rehabilitation").map((c) => c.url)).not.toContain(expect.stringContaining("caspianpost"));
  });

  it("parole in Kazakhstan cites the Interior Ministry's parole order, not the supervision law", () => {
    const labels = (g: Given) => cites(g, "supervision_travel").map((c) => c.label.key);
    expect(labels({ "opening/country": "kz", "legal/outcome": "parole" })).toEqual([
      "rights:sources.freedom_now_parole",
      "rights:sources.kz_parole_order",
    ]);
    expect(
      labels({ "opening/country": "kz", "legal/outcome": "served", "needs/areas": ["supervision"], "needs/supervision": ["police"] }),
    ).toContain("rights:sources.kz_supervision_law");
  });

  it("the appeal and financial-list hints are Kazakh law: shown in Kazakh cases only", () => {
    const help = (given: Given, ref: string) => {
      let state = startState(set);
      state = { ...state, answers: profile(given), node: ref };
      const said = step(set, state, { type: "current" }).say.find((s) => s.kind === "question");
      return said?.kind === "question" ? said.view.help?.key : undefined;
    };
    expect(help({ "opening/country": "kz", "legal/outcome": "served" }, "legal/appealed")).toBe("legal:appealed.help_kz");
    expect(help({ "opening/country": "uz", "legal/outcome": "served" }, "legal/appealed")).toBeUndefined();
    expect(help({ "opening/country": "kz", "needs/areas": ["money"] }, "needs/money")).toBe("needs:money.help_kz");
    // Elsewhere only the meaning of the short "financial list" label is given, with no Kazakh law in it.
    expect(help({ "opening/country": "uz", "needs/areas": ["money"] }, "needs/money")).toBe("needs:money.help_list");
  });

  it("over any answers, no card, part or source of one country's law appears in another country's case", () => {
    const questions = [...set.nodes.values()].filter((n) => n.flow === "legal" || n.flow === "needs" || n.ref === "opening/who");
    fc.assert(
      fc.property(
        fc.constantFrom("kz", "uz", "other"),
        fc.array(fc.nat(), { minLength: questions.length, maxLength: questions.length }),
        (country, picks) => {
          const given: Given = { "opening/country": country };
          let answers = profile(given);
          // Answer as far as the path goes: each question by a pick (an option, a set of options, a date, a note) or skipped.
          for (let guard = 0; guard < set.nodes.size; guard++) {
            const at = set.nodes.get(walk(set, answers).at)!;
            if (at.type === "end" || isResult(at)) break;
            const pick = picks[questions.findIndex((q) => q.ref === at.ref)] ?? 0;
            let a: Answer = at.type === "info" ? { kind: "seen" } : { kind: "skipped" };
            if (at.type === "choice" && pick % (at.options.length + 1) < at.options.length)
              a = { kind: "value", value: at.options[pick % (at.options.length + 1)]!.id };
            if (at.type === "multi" && pick % 5)
              a = { kind: "value", value: at.options.filter((o, i) => !o.exclusive && (pick >> i) & 1).map((o) => o.id) };
            if (at.type === "date" && pick % 3) a = { kind: "value", value: ["2025-08-29", "2023"][pick % 2]! };
            if (at.type === "text" && pick % 3) a = { kind: "value", value: ["закон 1993 года", "I need a doctor"][pick % 2]! };
            answers = prune(set, { ...answers, [at.ref]: a });
          }
          const foreign = country === "kz" ? ["uz"] : country === "uz" ? ["kz"] : ["kz", "uz"];
          for (const f of foreign) {
            expect([...citedCountries(cardSet, answers)]).not.toContain(f);
            for (const c of applicableCards(cardSet, answers)) {
              expect(c.id.startsWith(`${f}_`), c.id).toBe(false);
              for (const p of c.parts) expect(p.key.split(".").pop()!.split("_")[0], p.key).not.toBe(f);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("sources", () => {
  it("every cited source has a check date, and secondary ones are never marked official", () => {
    const all = cardSet.cards.flatMap((c) => c.cite);
    for (const s of all) {
      expect(s.checked, s.source).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (/hozir\.org|studylib|t\.center|ininet\.org|espchhelp|minorityforum|zakonpravo|c4jr|skal\.fun/.test(s.url))
        throw new Error(`${s.source}: ${s.url} is not a source a card may rest on`);
    }
    // Each Kazakh statute is cited from adilet.zan.kz, each Uzbek one from lex.uz.
    expect(all.filter((s) => s.labelKey === "rights:sources.kz_cpc").every((s) => s.url.startsWith("https://adilet.zan.kz/"))).toBe(true);
    expect(all.filter((s) => s.labelKey === "rights:sources.uz_cpc").every((s) => s.url.startsWith("https://lex.uz/"))).toBe(true);
  });
});

describe("the new questions' words", () => {
  it("their buttons fit a phone in every language (30 characters at most)", () => {
    for (const lang of ["en", "ru", "kk", "uz-Latn", "uz-Cyrl"]) {
      const legal = JSON.parse(readFileSync(`locales/${lang}/legal.json`, "utf8")) as Record<string, { options: Record<string, string> }>;
      for (const q of ["unfair", "coercion"])
        for (const [id, label] of Object.entries(legal[q]!.options))
          expect(label.length, `${lang} ${q}.${id}: ${label}`).toBeLessThanOrEqual(30);
    }
  });
});

describe("the summary of needs", () => {
  it("a woman who chose work but skipped what happened still sees work in her summary, as skipped", () => {
    const answers = { ...profile({ "opening/country": "uz", "needs/areas": ["work"] }), "needs/work": { kind: "skipped" } as Answer };
    const summary = needsSummary(set, answers);
    expect(summary).toHaveLength(1);
    expect(summary[0]?.answer).toEqual({ key: "common:answer.skipped" });
    expect(needsSummary(set, { ...answers, "needs/areas": { kind: "value", value: ["none"] } })).toEqual([]);
  });
});
