/**
 * `npm run bench`: speed and size goals, measured here rather than in timed unit tests.
 *
 * Goals (on a 2-core machine):
 * - the engine handles one input in well under a millisecond: ≥ 5,000 steps/s, p99 < 1 ms;
 * - encrypting + decrypting a session costs < 0.5 ms;
 * - a finished opening interview stores < 2 KB in Redis (sessions stay small);
 * - sealing a referral to three recipients and opening it takes < 20 ms.
 */
import { performance } from "node:perf_hooks";
import sodium from "libsodium-wrappers";
import { loadContent } from "../src/content/load.js";
import { type ButtonAction, encodeButton } from "../src/flow/codec.js";
import { type InterviewState, startState, step } from "../src/flow/engine.js";
import { open, seal } from "../src/referrals/envelope.js";
import { newSigningSeed, signingKeyFromSeed } from "../src/referrals/keys.js";
import { cryptoReady, decryptValue, encryptValue, newKeyEntry, parseKeyring } from "../src/storage/cipher.js";

const { flows } = loadContent("flows", "locales");
await cryptoReady();
const ring = parseKeyring(newKeyEntry());

const script: ButtonAction[] = [
  { type: "done" },
  { type: "choose", option: "agree" },
  { type: "choose", option: "relative" },
  { type: "back" },
  { type: "choose", option: "self" },
  { type: "choose", option: "kz" },
];

function interview(): InterviewState {
  let s = startState(flows);
  for (const a of script) s = step(flows, s, { ...a, step: s.step }).state;
  return s;
}

const results: { goal: string; value: string; ok: boolean }[] = [];

// Warm up, then time single steps.
for (let i = 0; i < 2000; i++) interview();
const times: number[] = [];
const t0 = performance.now();
let steps = 0;
while (performance.now() - t0 < 1500) {
  let s = startState(flows);
  for (const a of script) {
    const a0 = performance.now();
    s = step(flows, s, { ...a, step: s.step }).state;
    times.push(performance.now() - a0);
    steps++;
  }
}
const rate = steps / ((performance.now() - t0) / 1000);
times.sort((a, b) => a - b);
const p99 = times[Math.floor(times.length * 0.99)]!;
results.push({ goal: "engine steps/s ≥ 5,000", value: rate.toFixed(0), ok: rate >= 5000 });
results.push({ goal: "engine step p99 < 1 ms", value: `${(p99 * 1000).toFixed(1)} µs`, ok: p99 < 1 });

const state = { v: 1, __d: { lang: "uz-Cyrl", interview: interview(), lastQuestion: 123456 } };
const json = JSON.stringify(state);
const sealed = encryptValue(ring, "qadam:s:0123456789abcdef0123456789abcdef", json);
const c0 = performance.now();
let rounds = 0;
while (performance.now() - c0 < 1000) {
  decryptValue(ring, "qadam:s:0123456789abcdef0123456789abcdef", encryptValue(ring, "qadam:s:0123456789abcdef0123456789abcdef", json));
  rounds++;
}
const perRound = (performance.now() - c0) / rounds;
results.push({ goal: "session encrypt+decrypt < 0.5 ms", value: `${(perRound * 1000).toFixed(1)} µs`, ok: perRound < 0.5 });
results.push({
  goal: "stored session after the opening < 2 KB",
  value: `${Buffer.byteLength(sealed)} B`,
  ok: Buffer.byteLength(sealed) < 2048,
});
// A referral: seal a 20 KB dossier to three recipients and open it as one of them.
const recipients = [0, 1, 2].map(() => sodium.crypto_box_keypair());
const signer = signingKeyFromSeed(newSigningSeed());
const bigDossier = { answers: Array.from({ length: 200 }, (_, i) => ({ ref: `flow/q${i}`, value: "x".repeat(80) })) };
const e0 = performance.now();
let sealedCount = 0;
while (performance.now() - e0 < 1000) {
  const env = seal(
    bigDossier,
    { code: "QDM-0000-0000", created: "2026-11-27T00:00:00Z", country: "kz" },
    recipients.map((k, i) => ({ name: `r${i}`, publicKey: k.publicKey })),
    signer,
  );
  open(env, { publicKey: recipients[1]!.publicKey, secretKey: recipients[1]!.privateKey }, signer.publicKey);
  sealedCount++;
}
const perReferral = (performance.now() - e0) / sealedCount;
results.push({ goal: "seal to 3 + verify + open a 20 KB referral < 20 ms", value: `${perReferral.toFixed(2)} ms`, ok: perReferral < 20 });

// The worst case the schema allows: two 24-character ids and a 9-digit step counter.
const longest = Buffer.byteLength(encodeButton({ type: "edit", ref: "abcdefghijklmnopqrstuvwx/abcdefghijklmnopqrstuvwx" }, 999_999_999));
results.push({ goal: "longest possible callback data ≤ 64 B", value: `${longest} B`, ok: longest <= 64 });

for (const r of results) console.log(`${r.ok ? "ok  " : "MISS"}  ${r.goal.padEnd(46)} ${r.value}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
