/**
 * The pure engine, on a sample flow set that uses every node type: no Telegram, no Redis.
 */
import { describe, expect, it } from "vitest";
import { loadFlowsFromDir } from "../src/content/load.js";
import { type ButtonAction, decodeButton, encodeButton } from "../src/flow/codec.js";
import {
  ask,
  type Input,
  type InterviewState,
  parseDate,
  type QuestionView,
  type Say,
  startState,
  step,
  walk,
} from "../src/flow/engine.js";
import { loadFlows } from "../src/flow/load.js";

const flows = loadFlowsFromDir("tests/fixtures/flows/sample");
const TODAY = "2026-11-27";

/** Apply inputs in order; buttons are pressed with the current step, as a fresh keyboard would. */
function run(state: InterviewState, ...inputs: (ButtonAction | string)[]): { state: InterviewState; say: Say[] } {
  let s = state;
  let say: Say[] = [];
  for (const i of inputs) {
    const input: Input = typeof i === "string" ? { type: "text", text: i, today: TODAY } : { ...i, step: s.step };
    ({ state: s, say } = step(flows, s, input));
  }
  return { state: s, say };
}
const question = (say: Say[]): QuestionView => {
  const q = say.find((x) => x.kind === "question");
  if (q?.kind !== "question") throw new Error("no question said");
  return q.view;
};
const notices = (say: Say[]) => say.filter((x) => x.kind === "notice").map((x) => (x.kind === "notice" ? x.msg.key : ""));
const choose = (option: string): ButtonAction => ({ type: "choose", option });
const toggle = (option: string): ButtonAction => ({ type: "toggle", option });
const done: ButtonAction = { type: "done" };
const skip: ButtonAction = { type: "skip" };
const back: ButtonAction = { type: "back" };

describe("the interview engine", () => {
  it("walks a person from the start through every node type to the end", () => {
    const { state, say } = run(
      startState(flows),
      done,
      choose("self"),
      choose("kz"),
      "Almaty",
      toggle("health"),
      toggle("work"),
      done,
      "03.2024",
      "2",
    );
    expect(state.node).toBe("needs/done");
    expect(state.answers).toEqual({
      "intro/hello": { kind: "seen" },
      "intro/who": { kind: "value", value: "self" },
      "intro/country": { kind: "value", value: "kz" },
      "intro/kz_city": { kind: "value", value: "Almaty" },
      "needs/start": { kind: "value", value: ["health", "work"] },
      "needs/released": { kind: "value", value: "2024-03" },
      "needs/children": { kind: "value", value: 2 },
    });
    expect(question(say).type).toBe("end");
    expect(state.versions).toEqual({ intro: 1, needs: 1 });
  });

  it("addresses a relative in the family context, and only on nodes about the person", () => {
    const { state, say } = run(startState(flows), done, choose("relative"));
    expect(question(say).text).toEqual({ key: "intro:country.text", context: "family" });
    const after = run(state, choose("uz"));
    expect(question(after.say).text).toEqual({ key: "needs:start.text" });
  });

  it("records a skip as a skip, not an error, and follows the node's own next", () => {
    const { state, say } = run(startState(flows), done, skip);
    expect(state.answers["intro/who"]).toEqual({ kind: "skipped" });
    expect(notices(say)).toEqual([]);
    expect(state.node).toBe("intro/country");
  });

  it("goes back one question and keeps the answer until it is changed", () => {
    const first = run(startState(flows), done, choose("self"), choose("uz"));
    expect(first.state.node).toBe("needs/start");
    const { state, say } = run(first.state, back);
    expect(state.node).toBe("intro/country");
    expect(state.answers["intro/country"]).toEqual({ kind: "value", value: "uz" });
    expect(question(say).current).toBeDefined();
    expect(
      question(say)
        .buttons.flat()
        .find((b) => b.checked)?.data,
    ).toContain("|c|uz");
    const kept = run(state, { type: "keep" });
    expect(kept.state.node).toBe("needs/start");
  });

  it("prunes the answers of a branch that a changed answer abandons, and keeps the rest", () => {
    const kz = run(startState(flows), done, choose("relative"), choose("kz"), "Shymkent", toggle("money"), done, "4").state;
    expect(kz.answers["intro/kz_city"]).toBeDefined();
    // Change the country from the summary: jump back to it and answer Uzbekistan.
    const { state } = run(kz, { type: "edit", ref: "intro/country" }, choose("uz"));
    expect(state.answers["intro/kz_city"]).toBeUndefined();
    expect(state.answers["needs/start"]).toEqual({ kind: "value", value: ["money"] });
    expect(state.answers["needs/children"]).toEqual({ kind: "value", value: 4 });
    // Straight back to where the person was: the answers after the change are kept, not walked again.
    expect(state.node).toBe("needs/family_note");
    // Every answer kept is on the path the answers lead along.
    expect(Object.keys(state.answers).sort()).toEqual(walk(flows, state.answers).path.sort());
  });

  it("keeps the answers after a newly opened question, and drops them once they are off the path", () => {
    // A Kazakhstan answer (with its city) changed to Uzbekistan and back: the city is asked again,
    // but the needs answered after it are still there.
    const kz = run(startState(flows), done, choose("self"), choose("kz"), "Shymkent", toggle("money"), done, "4").state;
    const uz = run(kz, { type: "edit", ref: "intro/country" }, choose("other")).state;
    expect(uz.node).toBe("intro/elsewhere");
    expect(uz.answers["needs/start"]).toBeUndefined(); // unreachable from an end: dropped
    const withNeeds = run(startState(flows), done, choose("self"), choose("uz"), toggle("money"), done, "4").state;
    const back = run(withNeeds, { type: "edit", ref: "intro/country" }, choose("kz")).state;
    expect(back.node).toBe("intro/kz_city");
    expect(back.answers["needs/start"]).toEqual({ kind: "value", value: ["money"] }); // ahead of the open question: kept
    // The city answered, the person is back where they were (the end), past the kept needs.
    const after = run(back, "Almaty");
    expect(after.state.node).toBe("needs/done");
    expect(after.say.filter((x) => x.kind === "question").map((x) => x.view.ref)).toEqual(["needs/done"]);
  });

  it("drops answers behind a multi-choice rule when the ticked option goes away", () => {
    const withHealth = run(startState(flows), done, choose("self"), choose("uz"), toggle("health"), done, "2023", "0").state;
    expect(withHealth.answers["needs/released"]).toBeDefined();
    const { state } = run(withHealth, { type: "edit", ref: "needs/start" }, toggle("health"), toggle("work"), done);
    expect(state.answers["needs/released"]).toBeUndefined();
    expect(state.answers["needs/children"]).toEqual({ kind: "value", value: 0 });
  });

  it("makes 'none of these' exclusive in a multi question", () => {
    const { state } = run(startState(flows), done, choose("self"), choose("uz"), toggle("health"), toggle("work"), toggle("none"));
    expect(state.draft).toEqual(["none"]);
    expect(run(state, toggle("money")).state.draft).toEqual(["money"]);
  });

  it("answers a press on an old keyboard as stale and shows the current question", () => {
    const s = run(startState(flows), done).state;
    const old = s.step;
    const s2 = run(s, choose("self")).state;
    const { state, say } = step(flows, s2, { type: "choose", option: "relative", step: old });
    expect(state.answers["intro/who"]).toEqual({ kind: "value", value: "self" });
    expect(notices(say)).toEqual(["common:notice.stale"]);
    expect(question(say).ref).toBe("intro/country");
  });

  it("explains bad typed answers and keeps the state", () => {
    const at = run(startState(flows), done, choose("self"), choose("uz"), toggle("work"), done).state;
    expect(at.node).toBe("needs/children");
    for (const [text, key] of [
      ["many", "common:errors.number"],
      ["31", "common:errors.number"],
      ["-1", "common:errors.number"],
    ] as const) {
      const { state, say } = run(at, text);
      expect(notices(say)).toEqual([key]);
      expect(state).toEqual(at);
    }
    const city = run(startState(flows), done, choose("self"), choose("kz")).state;
    expect(notices(run(city, "x".repeat(41)).say)).toEqual(["common:errors.text_too_long"]);
    expect(notices(run(city, "   ").say)).toEqual(["common:errors.text_empty"]);
    expect(notices(run(city, choose("kz")).say)).toEqual(["common:notice.stale"]);
    const date = run(startState(flows), done, choose("self"), choose("uz"), toggle("health"), done).state;
    expect(notices(run(date, "31.02.2024").say)).toEqual(["common:errors.date"]);
    expect(notices(run(date, "2027").say)).toEqual(["common:errors.date_future"]);
    expect(run(date, "27.11.2026").state.answers["needs/released"]).toEqual({ kind: "value", value: "2026-11-27" });
  });

  it("asks for the buttons when someone types at a choice question", () => {
    const { say } = run(startState(flows), done, "Kazakhstan");
    expect(notices(say)).toEqual(["common:notice.use_buttons"]);
  });

  it("shows progress as the part of the interview, which does not swing as answers close branches", () => {
    const s = run(startState(flows), done).state;
    const first = question(step(flows, s, { type: "current" }).say).progress;
    expect(first).toEqual({ key: "common:progress", params: { at: 1, of: 2, part: { key: "intro:part" } } });
    // The same part, whatever the answers: Kazakhstan asks the city, Uzbekistan does not, and
    // both then reach the second part, counted the same.
    const kz = run(s, choose("self"), choose("kz")).state;
    expect(question(step(flows, kz, { type: "current" }).say).progress).toEqual(first);
    const needs = { key: "common:progress", params: { at: 2, of: 2, part: { key: "needs:part" } } };
    expect(question(step(flows, run(kz, "Almaty").state, { type: "current" }).say).progress).toEqual(needs);
    expect(question(step(flows, run(s, choose("self"), choose("uz")).state, { type: "current" }).say).progress).toEqual(needs);
  });

  it("resumes at the first open question when a flow's version changes", () => {
    const s = run(startState(flows), done, choose("self"), choose("kz"), "Almaty", toggle("work"), done).state;
    const edited = loadFlows([
      {
        path: "intro.yaml",
        text: readFixture("intro.yaml")
          .replace("version: 1", "version: 2")
          .replace("kz_city:\n    type: text", "kz_town:\n    type: text")
          .replace("goto: kz_city", "goto: kz_town"),
      },
      { path: "needs.yaml", text: readFixture("needs.yaml") },
    ]);
    const { state, say } = step(edited, s, { type: "current" });
    expect(notices(say)).toEqual(["common:notice.changed"]);
    expect(state.node).toBe("intro/kz_town");
    expect(state.answers["intro/country"]).toEqual({ kind: "value", value: "kz" });
    expect(state.versions).toEqual({ intro: 2, needs: 1 });
    // The later answer was kept: once the new question is answered, it is offered again.
    const next = step(edited, state, { type: "text", text: "Almaty", today: TODAY });
    expect(next.state.node).toBe("needs/start");
    expect(question(next.say).current).toBeDefined();
    expect(next.state.answers["needs/start"]).toEqual({ kind: "value", value: ["work"] });
  });

  it("says the questionnaire changed when nothing of the old answers fits", () => {
    const s: InterviewState = { node: "old/gone", answers: { "old/gone": { kind: "value", value: "x" } }, versions: { old: 3 }, step: 9 };
    const { state, say } = step(flows, s, { type: "current" });
    expect(notices(say)).toEqual(["common:notice.reset"]);
    expect(state.answers).toEqual({});
    expect(state.node).toBe(flows.entry);
  });

  it("keeps every button's callback data within 64 bytes and round-trips it", () => {
    for (const node of flows.nodes.values()) {
      const s: InterviewState = { ...startState(flows), node: node.ref, step: 123_456_789 };
      for (const b of question([ask(flows, s, false)]).buttons.flat()) {
        expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64);
        expect(decodeButton(b.data)).toBeDefined();
      }
    }
    expect(decodeButton(encodeButton({ type: "edit", ref: "intro/country" }, 7))).toEqual({ type: "edit", ref: "intro/country", step: 7 });
    expect(decodeButton("q|1|c|../../x")).toBeUndefined();
    expect(decodeButton("q|1|z")).toBeUndefined();
  });

  it("passes through route nodes: never shown, never answered, skipped by Back", () => {
    const routed = loadFlows([
      {
        path: "r.yaml",
        text: [
          "id: r",
          "version: 1",
          "entry: true",
          "start: a",
          "nodes:",
          "  a:",
          "    type: multi",
          "    options: [{ id: x }, { id: y }]",
          "    next: fork",
          "  fork:",
          "    type: route",
          "    next:",
          "      - if: { answer: a, includes: x }",
          "        goto: bx",
          "      - goto: done",
          "  bx:",
          "    type: text",
          "    next: done",
          "  done:",
          "    type: end",
        ].join("\n"),
      },
    ]);
    let s = startState(routed);
    s = step(routed, s, { type: "toggle", option: "x", step: s.step }).state;
    const r = step(routed, s, { type: "done", step: s.step });
    expect(r.state.node).toBe("r/bx");
    expect(walk(routed, r.state.answers).path).toEqual(["r/a"]);
    const back = step(routed, r.state, { type: "back", step: r.state.step });
    expect(back.state.node).toBe("r/a");
    const none = step(routed, step(routed, back.state, { type: "toggle", option: "x", step: back.state.step }).state, { type: "current" });
    const s2 = step(routed, none.state, { type: "done", step: none.state.step });
    expect(s2.state.node).toBe("r/done");
    expect(Object.keys(s2.state.answers)).toEqual(["r/a"]);
  });

  it("reads dates the way people write them", () => {
    expect(parseDate("5.3.2024")).toBe("2024-03-05");
    expect(parseDate("2024-03-05")).toBe("2024-03-05");
    expect(parseDate("03/2024")).toBe("2024-03");
    expect(parseDate("2024")).toBe("2024");
    expect(parseDate("13.2024")).toBeUndefined();
    expect(parseDate("yesterday")).toBeUndefined();
  });
});

import { readFileSync } from "node:fs";

function readFixture(name: string): string {
  return readFileSync(`tests/fixtures/flows/sample/${name}`, "utf8");
}
