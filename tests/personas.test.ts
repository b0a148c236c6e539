/**
 * Persona stories from /start to the result, through the real bot, each asserting which rights
 * cards are shown and which are not. The cards come from flows/rights.yaml; these stories are
 * the check that the conditions say what the facts sheet's rules say.
 */
import { describe, expect, it } from "vitest";
import type { Lang } from "../src/i18n/index.js";
import { Chat, testBot } from "./helpers/chat.js";

const ALL_CARDS = [
  "reparation",
  "outcome_unknown",
  "kz_compensation",
  "kz_law_changed",
  "closure_check",
  "kz_no_compensation",
  "kz_review",
  "kz_financial_list",
  "kz_constitutional_court",
  "kz_1993_law",
  "uz_rehabilitation",
  "uz_no_rehabilitation",
  "uz_review",
  "uz_exit",
  "supervision_travel",
  "detained",
  "cat_redress",
  "family_redress",
  "wgad",
  "hrc",
  "iccpr_9_5",
  "iccpr_14_6",
];

/** A person in a language, with helpers to answer by option id rather than by label. */
class Person extends Chat {
  /** The plan message now in the chat (the latest). */
  plan(): string {
    const intro = plain(this.t("needs:result.text"));
    return [...this.messages()].reverse().find((m) => m.text.startsWith(intro))?.text ?? "";
  }
  /** The sections of the summary document sent last. */
  document(): string[] {
    return this.lastDocument();
  }
  private lastDocument(): string[] {
    const doc = this.bot.api.calls.filter((c) => c.method === "sendDocument").pop();
    if (!doc) return [];
    const html = Buffer.from((doc.payload["document"] as unknown as { fileData: Uint8Array }).fileData).toString("utf8");
    return [...html.matchAll(/<section>([\s\S]*?)<\/section>/g)].map((m) =>
      plain(m[1]!.replace(/^<p class="n">\d+<\/p>/, ""))
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&"),
    );
  }
  /** Ids of the cards of the result, in order. */
  async cards(): Promise<string[]> {
    await this.keep();
    const titles = new Map(ALL_CARDS.map((id) => [this.t(`rights:${id}.title`), id]));
    return this.lastDocument()
      .map((text) => titles.get(text.split("\n")[0]!))
      .filter((id): id is string => id !== undefined);
  }
  /** The text of the card with this id, as the summary document has it. */
  async card(id: string): Promise<string> {
    await this.keep();
    const title = this.t(`rights:${id}.title`);
    return this.lastDocument().find((text) => text.startsWith(title)) ?? "";
  }
  private async keep(): Promise<void> {
    const keepLabel = plain(this.t("rights:plan.keep"));
    const planMsg = [...this.messages()].reverse().find((m) => m.buttons.flat().some((b) => b.text === keepLabel));
    if (!planMsg) throw new Error("no plan in the chat");
    const keep = planMsg.buttons.flat().find((b) => b.text === plain(this.t("rights:plan.keep")))!;
    await this.pressData(keep.data, planMsg.id);
  }
}

async function person(lang: Lang, id: number, who: "self" | "relative" | "other" = "self"): Promise<Person> {
  const p = new Person(await testBot(), id);
  await p.startIn(lang);
  await p.choose("opening", "who", who);
  return p;
}

/** Plain text of a translated key (the recorder shows text without HTML tags). */
const plain = (html: string) => html.replace(/<[^>]+>/g, "");

describe("personas", () => {
  it("acquitted in Kazakhstan, never got the notice: the compensation card says how to ask for it", async () => {
    const p = await person("ru", 101);
    await p.choose("opening", "country", "kz");
    await p.next();
    await p.choose("legal", "outcome", "acquitted");
    await p.choose("legal", "notice", "no");
    await p.say("03.2025");
    await p.tick("legal", "charge", "expression");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "none");
    await p.next(); // the one sensitive question is announced
    await p.skip(); // ill-treatment
    await p.skip(); // the note
    // The 6-month deadline is the first thing read.
    expect(await p.cards()).toEqual(["kz_compensation", "reparation", "wgad", "hrc"]);
    const card = await p.card("kz_compensation");
    expect(card.split("\n")[2]).toBe(plain(p.t("rights:kz_compensation.deadline")));
    expect(card).toContain(plain(p.t("rights:kz_compensation.notice_missing")));
    expect(card).not.toContain(plain(p.t("rights:kz_compensation.heirs")));
    expect(card).toContain(p.t("rights:sources.kz_cpc"));
    // The check date is said once, in the plan, not on every card.
    const checked = p.t("rights:checked_range", { from: "27.11.2026", to: "29.11.2026" });
    expect(p.plan()).toContain(checked);
    expect(p.messages().filter((m) => m.text.includes(checked))).toHaveLength(1);
    expect(await p.card("hrc")).not.toContain(checked);
  });

  it("pardoned in Uzbekistan after signing a request for forgiveness: no rehabilitation by itself, review and supervision", async () => {
    const p = await person("uz-Latn", 102);
    await p.choose("opening", "country", "uz");
    await p.next();
    await p.choose("legal", "outcome", "pardon");
    await p.say("2025");
    await p.tick("legal", "charge", "religion");
    await p.choose("legal", "unfair", "no");
    await p.choose("legal", "appealed", "no");
    await p.choose("legal", "overturned", "no");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "safety");
    // A pardon brings the supervision questions even though the area was not ticked.
    await p.tick("needs", "supervision", "probation");
    await p.next(); // the one sensitive question is announced
    await p.choose("needs", "ill_treated", "prefer_not");
    await p.next();
    await p.tick("needs", "safety", "pressure");
    await p.skip();
    expect(await p.cards()).toEqual([
      "reparation",
      "uz_no_rehabilitation",
      "uz_review",
      "supervision_travel",
      "wgad",
      "hrc",
      "iccpr_9_5",
      "iccpr_14_6",
    ]);
    // "2025" may be the August 2025 pardon: it is named, as a possibility.
    expect(await p.card("uz_no_rehabilitation")).toContain(plain(p.t("rights:uz_no_rehabilitation.pardon_2025")));
    expect(await p.card("iccpr_14_6")).toContain(plain(p.t("rights:iccpr_14_6.pardon")));
    // No Kazakh law and no Kazakh hint in an Uzbek case.
    expect(
      p
        .messages()
        .map((m) => m.text)
        .join("\n"),
    ).not.toMatch(/adilet|1 July 2025|1 июля 2025/);
    expect(await p.card("supervision_travel")).toContain(plain(p.t("rights:supervision_travel.uz_pardon")));
    // What was told, in full, is in the summary document (the plan names only the areas).
    const told = p.document().find((text) => text.startsWith(plain(p.t("rights:summary_title"))))!;
    expect(told).toContain(p.t("needs:safety.options.pressure"));
  });

  it("a mother in Uzbekistan asks in Uzbek Cyrillic for a son still in detention", async () => {
    const p = await person("uz-Cyrl", 103, "relative");
    await p.choose("opening", "person_knows", "cannot_ask");
    expect(p.last()).toContain(p.t("opening:country.text_family"));
    await p.choose("opening", "country", "uz");
    await p.next();
    expect(p.last()).toContain(p.t("legal:outcome.text_family"));
    await p.choose("legal", "outcome", "still_detained");
    await p.tick("legal", "charge", "religion");
    await p.skip(); // was the trial unfair
    await p.choose("legal", "appealed", "yes");
    await p.choose("legal", "pending", "yes");
    await p.next();
    await p.tick("needs", "areas", "family", "health");
    await p.tick("needs", "family", "dependants");
    await p.next();
    expect(p.last()).toContain(p.t("needs:health.text_family"));
    await p.tick("needs", "health", "psychological");
    await p.choose("needs", "ill_treated", "yes");
    await p.choose("needs", "documented", "no");
    await p.skip();
    expect(await p.cards()).toEqual(["reparation", "uz_review", "detained", "cat_redress", "family_redress", "wgad", "hrc", "iccpr_9_5"]);
    expect(await p.card("detained")).toContain(plain(p.t("rights:detained.uz")));
    // A mother asking: what the family can do now.
    expect(await p.card("detained")).toContain(plain(p.t("rights:detained.family")));
    const cat = await p.card("cat_redress");
    expect(cat).toContain(plain(p.t("rights:cat_redress.uz")));
    expect(cat).not.toContain(plain(p.t("rights:cat_redress.kz")));
    expect(cat).toContain(plain(p.t("rights:cat_redress.documentation")));
    expect(await p.card("wgad")).not.toContain(plain(p.t("rights:wgad.released")));
    expect(await p.card("hrc")).toContain(plain(p.t("rights:hrc.pending")));
  });

  it("a Kazakh “extremism” conviction with a blocked bank card", async () => {
    const p = await person("kk", 104);
    await p.choose("opening", "country", "kz");
    await p.next();
    await p.choose("legal", "outcome", "served");
    await p.say("12.2024");
    await p.tick("legal", "charge", "extremism");
    await p.choose("legal", "unfair", "yes");
    await p.tick("legal", "coercion", "none");
    await p.choose("legal", "appealed", "no");
    await p.choose("legal", "overturned", "no");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "work");
    await p.tick("needs", "work", "no_work");
    // Money questions come because of the "extremism" charge in Kazakhstan, with the Kazakh hint.
    expect(p.last()).toContain(p.t("needs:money.text"));
    expect(p.last()).toContain(p.t("needs:money.help_kz"));
    await p.tick("needs", "money", "blocked");
    // Ticking only "Work" and "Money" still brings the question about ill-treatment.
    expect(p.last()).toContain(plain(p.t("needs:ill_intro.text")).split("\n")[0]);
    await p.next();
    await p.skip();
    await p.skip();
    expect(await p.cards()).toEqual([
      "reparation",
      "kz_no_compensation",
      "kz_review",
      "kz_financial_list",
      "kz_constitutional_court",
      "wgad",
      "hrc",
      "iccpr_9_5",
    ]);
    expect(await p.card("kz_no_compensation")).toContain(plain(p.t("rights:kz_no_compensation.still_open")));
    const review = await p.card("kz_review");
    expect(review).toContain(plain(p.t("rights:kz_review.not_appealed")));
    expect(review).not.toContain(plain(p.t("rights:kz_review.appealed")));
  });

  it("someone reports ill-treatment: the redress card, and no question asks for details", async () => {
    const p = await person("en", 105);
    await p.choose("opening", "country", "kz");
    await p.next();
    await p.choose("legal", "outcome", "parole");
    await p.skip(); // the date
    await p.tick("legal", "charge", "dont_know");
    await p.skip(); // was the trial unfair
    await p.skip(); // held too long, charge reduced…
    await p.choose("legal", "appealed", "yes");
    await p.choose("legal", "overturned", "no");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "health");
    await p.tick("needs", "supervision", "parole");
    expect(p.last()).toContain(
      p
        .t("needs:health_intro.text")
        .split("\n")[0]!
        .replace(/<[^>]+>/g, ""),
    );
    await p.next();
    await p.tick("needs", "health", "physical", "urgent");
    // Help now is named at once, not after the last question; the questions wait.
    expect(p.last()).toContain(plain(p.t("needs:urgent_help.text")).split("\n")[1]);
    await p.next();
    const before = p.messages().length;
    await p.choose("needs", "ill_treated", "yes");
    await p.choose("needs", "documented", "yes");
    const askedAfter = p
      .messages()
      .slice(before)
      .map((m) => m.text)
      .join("\n");
    expect(askedAfter).not.toMatch(/describe|what happened|who did/i);
    expect(p.last()).toContain(p.t("needs:note.help"));
    await p.skip();
    expect(await p.cards()).toEqual([
      "reparation",
      "kz_no_compensation",
      "kz_review",
      "supervision_travel",
      "cat_redress",
      "hrc",
      "iccpr_9_5",
    ]);
    expect(await p.card("cat_redress")).toContain(plain(p.t("rights:cat_redress.one_body")));
    const cat = await p.card("cat_redress");
    expect(cat).toContain(plain(p.t("rights:cat_redress.kz")));
    expect(cat).not.toContain(plain(p.t("rights:cat_redress.documentation"))); // it was documented
    expect(p.messages().some((m) => m.text.includes("103"))).toBe(true); // urgent help is named
    // Answering the offer of a lawyer closes that message, and the urgent-help line stays in it.
    await p.choose("needs", "result", "not_now");
    const closed = p.messages().find((m) => m.text.includes(p.t("common:answer.yours", { answer: p.t("needs:result.options.not_now") })))!;
    expect(closed.text).toContain(plain(p.t("rights:urgent")).split("{{help}}")[0]!);
    expect(closed.text).toContain("🚑 Ambulance: 103"); // from the partners file, for Kazakhstan
  });

  it("someone from neither country gets only the general frame, no national law", async () => {
    const p = await person("ru", 106);
    await p.choose("opening", "country", "other");
    expect(p.last()).toContain(p.t("opening:other_country.text").split("\n")[0]!);
    await p.next();
    // Another country's case is still asked about: the UN routes need no national law.
    expect(p.last()).toContain(plain(p.t("legal:intro.text")).split("\n")[0]!);
    await p.next();
    await p.skip(); // the outcome
    await p.skip(); // the date
    await p.skip(); // the charge
    await p.skip(); // pending
    await p.next();
    await p.tick("needs", "areas", "health");
    await p.next();
    await p.tick("needs", "health", "physical");
    await p.choose("needs", "ill_treated", "no");
    await p.say("Мне нужна помощь с лечением");
    expect(await p.cards()).toEqual(["reparation"]);
    // Text typed at the result gets a pointer and the buttons again, not every card again.
    const count = p.messages().length;
    await p.say("1,2");
    expect(p.messages().length - count).toBe(2); // the pointer, and the closing message with its buttons
    expect(await p.cards()).toEqual(["reparation"]);
    expect(p.last()).toContain(plain(p.t("rights:offer")));
  });

  it("pardoned in Kazakhstan, and a court later cancelled the conviction: the compensation card, with what a lawyer must check", async () => {
    const p = await person("en", 108);
    await p.choose("opening", "country", "kz");
    await p.next();
    await p.choose("legal", "outcome", "pardon");
    await p.say("2024");
    await p.tick("legal", "charge", "expression");
    await p.skip(); // was the trial unfair
    await p.skip(); // held too long, charge reduced…
    await p.choose("legal", "appealed", "yes");
    await p.choose("legal", "overturned", "yes");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "none");
    await p.skip(); // conditions after release (asked after a pardon)
    await p.next(); // the one sensitive question is announced
    await p.skip(); // ill-treatment
    await p.skip(); // the note
    expect(await p.cards()).toEqual(["kz_compensation", "reparation", "kz_constitutional_court", "wgad", "hrc", "iccpr_9_5", "iccpr_14_6"]);
    expect(await p.card("kz_compensation")).toContain(plain(p.t("rights:kz_compensation.overturned")));
    expect(await p.card("kz_compensation")).toContain(plain(p.t("rights:kz_compensation.body")));
    expect(await p.card("iccpr_14_6")).toContain(plain(p.t("rights:iccpr_14_6.exception")));
  });

  it("a case closed in Uzbekistan because the charge had been decided before: a lawyer should read the decision", async () => {
    const p = await person("ru", 109, "relative");
    await p.choose("opening", "person_knows", "agrees");
    await p.choose("opening", "country", "uz");
    await p.next();
    await p.choose("legal", "outcome", "case_closed");
    await p.choose("legal", "closed_ground", "already_decided");
    await p.choose("legal", "notice", "dont_know");
    await p.skip();
    await p.tick("legal", "charge", "religion");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "supervision");
    await p.tick("needs", "supervision", "police");
    await p.next(); // the one sensitive question is announced
    await p.skip();
    await p.skip();
    expect(await p.cards()).toEqual(["reparation", "closure_check", "supervision_travel", "wgad", "hrc"]);
    expect(await p.card("closure_check")).toContain(plain(p.t("rights:closure_check.uz")));
    expect(await p.card("closure_check")).not.toContain(plain(p.t("rights:closure_check.kz")));
    // Each card cites only what concerns the person's country.
    expect(await p.card("supervision_travel")).toContain(p.t("rights:sources.uz_reporting_2018"));
    expect(await p.card("supervision_travel")).not.toContain(p.t("rights:sources.kz_supervision_law"));
  });

  it("changing the outcome after the result drops the cards of the abandoned branch", async () => {
    const p = await person("en", 107);
    await p.choose("opening", "country", "kz");
    await p.next();
    await p.choose("legal", "outcome", "acquitted");
    await p.choose("legal", "notice", "yes");
    await p.skip();
    await p.tick("legal", "charge", "other");
    await p.choose("legal", "pending", "no");
    await p.next();
    await p.tick("needs", "areas", "none");
    await p.next(); // the one sensitive question is announced
    await p.skip();
    await p.skip();
    expect(await p.cards()).toContain("kz_compensation");
    await p.say("/mydata");
    // Answers listed: 1 consent, 2 who, 3 country, 4 outcome, 5 notice, …
    await p.press(p.changeLabel("legal/outcome", 4));
    expect(p.last()).toContain(p.t("legal:outcome.text"));
    const from = p.messages().length;
    await p.choose("legal", "outcome", "amnesty");
    // Only the questions of the new branch are asked; every other answer is kept without a "Keep".
    await p.choose("legal", "unfair", "no"); // new on this branch
    await p.tick("legal", "coercion", "none"); // new on this branch
    await p.choose("legal", "appealed", "dont_know"); // new on this branch
    await p.choose("legal", "overturned", "no");
    expect(
      p
        .messages()
        .slice(from)
        .some((m) => m.buttons.flat().some((b) => b.text === p.t("common:buttons.keep"))),
    ).toBe(false);
    // The result shown again after the change is the new branch's.
    expect(
      p
        .messages()
        .slice(from)
        .some((m) => m.text.startsWith(`🔄 ${p.t("rights:plan.changed")}`)),
    ).toBe(true);
    expect(await p.cards()).toContain("kz_no_compensation");
    expect(await p.cards()).not.toContain("kz_compensation");
    await p.say("/mydata");
    expect(p.last()).not.toContain(p.t("legal:notice.text").slice(0, 30)); // the notice answer was pruned
  });
});
