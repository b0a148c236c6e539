/**
 * Random walks over every flow in every language (fast-check): a person pressing any button,
 * typing anything, going back and changing answers at random. Every walk must end (no trap), never
 * render a missing text, and never keep an answer from a branch the person left.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadContent } from "../src/content/load.js";
import { decodeButton } from "../src/flow/codec.js";
import { type Input, type Msg, reachable, type Say, startState, step, walk } from "../src/flow/engine.js";
import { hasAnsweredBefore } from "../src/flow/path.js";
import { LANGS } from "../src/i18n/index.js";

const { flows, i18n } = loadContent("flows", "locales");

/** Every key a message needs, nested ones included. */
function keysOf(m: Msg): string[] {
  const nested = Object.values(m.params ?? {}).flatMap((v) =>
    Array.isArray(v) ? v.flatMap(keysOf) : typeof v === "object" ? keysOf(v) : [],
  );
  return [m.context ? `${m.key}_${m.context}` : m.key, ...nested];
}
function keysOfSay(s: Say): string[] {
  if (s.kind === "notice") return keysOf(s.msg);
  if (s.kind === "answered") return [...keysOf(s.question), ...keysOf(s.answer)];
  const v = s.view;
  return [v.text, v.help, v.current, v.hint, ...v.buttons.flat().map((b) => b.label)].filter((x): x is Msg => !!x).flatMap(keysOf);
}

describe("random walks over the flows", () => {
  it("always end, render only existing texts, and keep no answer off the path", () => {
    const move = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("button" as const), pick: fc.nat() }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("text" as const),
          text: fc.oneof(fc.string(), fc.constantFrom("12", "03.2024", "2024", "  ", "<b>&")),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("edit" as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.constantFrom(...LANGS), fc.array(move, { maxLength: 60 }), (lang, moves) => {
        let state = startState(flows);
        let says: Say[] = step(flows, state, { type: "current" }).say;
        const check = () => {
          for (const key of says.flatMap(keysOfSay))
            expect(i18n.exists(key, { lng: lang, fallbackLng: false }), `${lang}: ${key}`).toBe(true);
          // Every answer kept is on the path, or still ahead of it: none from an abandoned branch.
          const { path, at } = walk(flows, state.answers);
          for (const ref of Object.keys(state.answers)) expect(path.includes(ref) || reachable(flows, at).has(ref), ref).toBe(true);
          // The "Back" button's shortcut agrees with the walk it stands for.
          expect(hasAnsweredBefore(flows, state.answers, state.node)).toBe(walk(flows, state.answers, state.node).path.length > 0);
        };
        // The buttons on screen: those of the latest question (a pause notice leaves them there).
        let onScreen = says.flatMap((s) => (s.kind === "question" ? s.view.buttons.flat() : []));
        const buttons = () => {
          const drawn = says.flatMap((s) => (s.kind === "question" ? s.view.buttons.flat() : []));
          if (drawn.length) onScreen = drawn;
          return onScreen;
        };
        check();
        for (const m of moves) {
          let input: Input | undefined;
          if (m.kind === "button") {
            const all = buttons();
            if (all.length) input = decodeButton(all[m.pick % all.length]!.data);
          } else if (m.kind === "text") input = { type: "text", text: m.text, today: "2026-11-27" };
          else {
            const path = walk(flows, state.answers).path;
            if (path.length) input = { type: "edit", ref: path[m.pick % path.length]!, step: state.step };
          }
          if (!input) continue;
          ({ state, say: says } = step(flows, state, input));
          check();
        }
        // Finish: keep pressing the first option, Done, Continue, Skip or Keep until an end node.
        for (let i = 0; i < flows.nodes.size * 3 && flows.nodes.get(state.node)!.type !== "end"; i++) {
          const b = buttons().find((x) => /^q\|\d+\|[cdsk]/.test(x.data))!;
          ({ state, say: says } = step(flows, state, decodeButton(b.data)!));
          check();
        }
        expect(flows.nodes.get(state.node)!.type).toBe("end");
        // At the end nothing lies ahead: the answers the result uses are exactly the path's.
        expect(Object.keys(state.answers).sort()).toEqual(walk(flows, state.answers).path.sort());
      }),
      { numRuns: 300 },
    );
  });
});
