/**
 * libsodium.js takes its randomness from JavaScript one 32-bit word per random byte, each word a
 * call to Web Crypto's `getRandomValues`: a `crypto_box_seal` makes 32 of them for its ephemeral
 * key, so a three-recipient seal 96, and a receipt code 5. Each call costs far more than its bytes:
 * they were a third of a seal's time. Here the same source, Web Crypto, is asked for 4 KiB at once
 * and handed to libsodium a word at a time; each word is wiped as it is handed out, so what was
 * used is not kept. libsodium's code and algorithms are unchanged: only how its entropy is fetched.
 */
import sodium from "libsodium-wrappers";

const WORDS = 1024;
const pool = new Uint32Array(WORDS);
let next = WORDS;

function pooled(): number {
  if (next === WORDS) {
    globalThis.crypto.getRandomValues(pool);
    next = 0;
  }
  const v = pool[next] as number;
  pool[next++] = 0;
  return v;
}

/** The emscripten module under libsodium-wrappers: it asks `getRandomValue()` for each 32-bit word. */
const runtime = () => (sodium as unknown as { libsodium?: { getRandomValue?: () => number } }).libsodium;

/**
 * Gives libsodium the pooled source (after `sodium.ready`; again is a no-op). Returns false if this
 * libsodium.js has no such hook (another version): it then keeps its own, slower but as good.
 */
export function poolRandomness(): boolean {
  const mod = runtime();
  if (!mod || typeof mod.getRandomValue !== "function") return false;
  if (mod.getRandomValue !== pooled) mod.getRandomValue = pooled;
  return true;
}
