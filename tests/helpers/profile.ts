/**
 * One way to a result, for every test that needs a person's answers: a profile names the answers
 * that matter (by `flow/node`: an option id, a list of option ids, or typed text); every other
 * question on the way is skipped and every intro read, as a person in a hurry would.
 * `answersFor` gives the stored answers (for rights evaluation); `walkToResult` drives a chat
 * through the real bot along the same path.
 */
import type { Answer } from "../../src/flow/answers.js";
import { type FlowSet, isResult, nodeAt } from "../../src/flow/model.js";
import { prune, walk } from "../../src/flow/path.js";
import type { Chat } from "./chat.js";

export type Profile = Record<string, string | string[]>;

/** The answers of a person who consented, answered `given`, skipped every other question and read every intro. */
export function answersFor(flows: FlowSet, given: Profile): Record<string, Answer> {
  let answers: Record<string, Answer> = { "opening/consent": { kind: "value", value: "agree" } };
  for (const [ref, value] of Object.entries(given)) answers[ref] = { kind: "value", value };
  for (let guard = 0; guard < flows.nodes.size; guard++) {
    const at = nodeAt(flows, walk(flows, answers).at);
    if (at.type === "end" || isResult(at)) break;
    if (answers[at.ref]) throw new Error(`the answer given for ${at.ref} does not fit it`);
    answers[at.ref] = at.type === "info" ? { kind: "seen" } : { kind: "skipped" };
  }
  answers = prune(flows, answers);
  for (const ref of Object.keys(given)) if (!answers[ref]) throw new Error(`${ref} is not on this person's path`);
  return answers;
}

/**
 * From the question after consent (where `Chat.startIn` leaves a person) to the result, pressing
 * and typing what the profile says (dates given as stored, ISO, and typed as people write them).
 */
export async function walkToResult(chat: Chat, flows: FlowSet, given: Profile, o: { until?: string } = {}): Promise<void> {
  const answers = answersFor(flows, given);
  const path = walk(flows, answers).path;
  // `until`: stop on that screen (shown, not answered), e.g. an urgent-help screen on the way.
  const end = o.until ? path.indexOf(o.until) : path.length;
  for (const ref of path.slice(path.indexOf("opening/consent") + 1, end)) {
    const node = nodeAt(flows, ref);
    const a = answers[ref];
    const [ns, id] = ref.split("/") as [string, string];
    if (node.type === "info") await chat.next();
    else if (a?.kind !== "value") await chat.skip();
    else if (node.type === "choice") await chat.choose(ns, id, String(a.value));
    else if (node.type === "multi") await chat.tick(ns, id, ...(a.value as string[]));
    // A date is typed the way people write it: 2025-05 as 05.2025, 2025-05-15 as 15.05.2025.
    else if (node.type === "date") await chat.say(String(a.value).split("-").reverse().join("."));
    else await chat.say(String(a.value));
  }
}

/** The receipt code shown in the chat (the latest one), or "" if none was. */
export function receiptCode(chat: Chat): string {
  const codes = chat
    .messages()
    .map((m) => m.text)
    .join("\n")
    .match(/QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/g);
  return codes?.at(-1) ?? "";
}

/** From the result: refer, agree, be reached "here, through Qadam", delete the answers, send. Returns the code. */
export async function sendThroughQadam(chat: Chat): Promise<string> {
  await chat.choose("needs", "result", "refer");
  await chat.choose("referral", "consent", "agree");
  await chat.choose("referral", "contact", "qadam");
  await chat.choose("referral", "keep", "delete");
  await chat.choose("referral", "review", "send");
  return receiptCode(chat);
}
