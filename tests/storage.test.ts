/**
 * Session values at rest: encrypted, bound to their key, readable after a key rotation, and an
 * unreadable value means a fresh start rather than a crash.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { MemorySessionStorage } from "grammy";
import sodium from "libsodium-wrappers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import {
  cryptoReady,
  decryptValue,
  deflateReused,
  deflateSession,
  EncryptedStorage,
  encryptValue,
  newKeyEntry,
  parseKeyring,
} from "../src/storage/cipher.js";
import { sessionId } from "../src/storage/keys.js";
import { connectRedis } from "../src/storage/redis.js";

beforeAll(cryptoReady);

describe("encrypted session storage", () => {
  it("round-trips a value and never stores it readable", async () => {
    const inner = new MemorySessionStorage<string>();
    const store = new EncryptedStorage<{ answer: string }>(inner, parseKeyring(newKeyEntry()));
    await store.write("qadam:s:a", { answer: "my brother was arrested" });
    expect(inner.read("qadam:s:a")).not.toContain("brother");
    expect(await store.read("qadam:s:a")).toEqual({ answer: "my brother was arrested" });
  });

  it("reads old values after a new key is put first, and writes with the new one", async () => {
    const k1 = newKeyEntry("k1");
    const inner = new MemorySessionStorage<string>();
    await new EncryptedStorage<number>(inner, parseKeyring(k1)).write("s", 7);
    const rotated = new EncryptedStorage<number>(inner, parseKeyring(`${newKeyEntry("k2")},${k1}`));
    expect(await rotated.read("s")).toBe(7);
    await rotated.write("s", 8);
    expect(inner.read("s")!.startsWith("v2.k2.")).toBe(true);
  });

  it("refuses a value moved to another person's key, changed, or sealed with an unknown key", async () => {
    const ring = parseKeyring(newKeyEntry());
    const sealed = encryptValue(ring, "qadam:s:alice", "{}");
    expect(decryptValue(ring, "qadam:s:bob", sealed)).toBeInstanceOf(Error);
    const changed = flipBit(sealed);
    expect(decryptValue(ring, "qadam:s:alice", changed)).toBeInstanceOf(Error);
    expect(decryptValue(parseKeyring(newKeyEntry()), "qadam:s:alice", sealed)).toBeInstanceOf(Error);
    // A damaged value under a key we hold: reported, and the person starts afresh.
    const reasons: string[] = [];
    const inner = new MemorySessionStorage<string>();
    inner.write("x", changed);
    const store = new EncryptedStorage(inner, ring, (_k, why) => reasons.push(why.message));
    expect(await store.read("x")).toBeUndefined();
    expect(reasons[0]).toMatch(/does not decrypt/);
  });

  it("keeps a session sealed with a key that was taken out too early, until the key is back", async () => {
    const k1 = newKeyEntry("k1");
    const inner = new MemorySessionStorage<string>();
    await new EncryptedStorage<{ answers: number }>(inner, parseKeyring(k1)).write("s", { answers: 12 });
    const early = new EncryptedStorage<{ answers: number }>(inner, parseKeyring(newKeyEntry("k2")));
    await expect(early.read("s")).rejects.toThrow(/"k1", which is not in SESSION_KEYS/);
    expect(inner.read("s")!.startsWith("v2.k1.")).toBe(true); // untouched
    const fixed = new EncryptedStorage<{ answers: number }>(inner, parseKeyring(`${newKeyEntry("k2")},${k1}`));
    expect(await fixed.read("s")).toEqual({ answers: 12 });
  });

  it("a session saved before the compact format (v1) still opens, and is written back compact and smaller", async () => {
    const entry = newKeyEntry("k1");
    const ring = parseKeyring(entry);
    const value = JSON.stringify({
      lang: "ru",
      interview: { answers: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`needs/q${i}`, { kind: "value", value: "yes" }])) },
    });
    // A v1 value, as the earlier code wrote it.
    const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(value, "qadam-session|k1|qadam:s:old", null, nonce, ring.current.key);
    const b64 = (b: Uint8Array) => sodium.to_base64(b, sodium.base64_variants.URLSAFE_NO_PADDING);
    const v1 = `v1.k1.${b64(nonce)}.${b64(ct)}`;
    expect(decryptValue(ring, "qadam:s:old", v1)).toBe(value);
    const v2 = encryptValue(ring, "qadam:s:old", value);
    expect(v2.startsWith("v2.k1.")).toBe(true);
    expect(v2.length).toBeLessThan(v1.length / 2);
    expect(decryptValue(ring, "qadam:s:old", v2)).toBe(value);
    // A v2 value relabelled v1 (or the other way round) does not open.
    expect(decryptValue(ring, "qadam:s:old", v2.replace(/^v2/, "v1"))).toBeInstanceOf(Error);
  });

  it("a v2 session written with zlib's default window (before the smaller one) still opens", () => {
    const ring = parseKeyring(newKeyEntry("k1"));
    const value = JSON.stringify({ lang: "kk", notes: Array.from({ length: 400 }, (_, i) => `answer ${i} ${"қ".repeat(i % 17)}`) });
    const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const packed = deflateRawSync(Buffer.from(value, "utf8"));
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(packed, "qadam-session|v2|k1|qadam:s:wide", null, nonce, ring.current.key);
    const old = `v2.k1.${Buffer.concat([nonce, ct]).toString("base64url")}`;
    expect(decryptValue(ring, "qadam:s:wide", old)).toBe(value);
    expect(decryptValue(ring, "qadam:s:wide", encryptValue(ring, "qadam:s:wide", value))).toBe(value);
  });

  it("compresses on one reused zlib stream: the same bytes as zlib's own call, for an empty, a full and an oversized session", () => {
    const full = Buffer.from(JSON.stringify({ lang: "uz-Cyrl", notes: Array.from({ length: 60 }, (_, i) => `жавоб ${i}`) }), "utf8");
    // Random bytes do not compress: far over the reused stream's 64 KB output, so the plain call takes it.
    const oversized = Buffer.from(sodium.randombytes_buf(100_000));
    // On Node 20 and 22 the stream is reused (a Node that changed its zlib stream would fall back).
    expect(deflateReused).toBe(true);
    for (const input of [Buffer.alloc(0), full, oversized, full]) {
      const packed = deflateSession(input);
      expect(packed.equals(deflateRawSync(input, { windowBits: 12, memLevel: 8, level: 1 }))).toBe(true);
      expect(inflateRawSync(packed).equals(input)).toBe(true);
    }
  });

  it("seals what libsodium opens as documented: nonce, then ciphertext, bound to format, key id and storage key", () => {
    const ring = parseKeyring(newKeyEntry("k1"));
    const value = JSON.stringify({ lang: "uz-Cyrl", note: "Ўғлим қамоқда эди" });
    const sealed = encryptValue(ring, "qadam:s:x", value);
    const body = Buffer.from(sealed.split(".")[2]!, "base64url");
    const packed = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      body.subarray(24),
      "qadam-session|v2|k1|qadam:s:x",
      body.subarray(0, 24),
      ring.current.key,
    );
    expect(inflateRawSync(packed).toString("utf8")).toBe(value);
    // A flipped bit anywhere is refused, as libsodium refuses it.
    for (const at of [0, 23, 24, body.length - 1]) {
      const bad = Buffer.from(body);
      bad[at] = (bad[at] as number) ^ 1;
      expect(decryptValue(ring, "qadam:s:x", `v2.k1.${bad.toString("base64url")}`)).toBeInstanceOf(Error);
    }
  });

  it("reads back its own last write without decrypting, yet never a stale one: another instance's write, a delete, an expiry", async () => {
    const ring = parseKeyring(newKeyEntry("k1"));
    const inner = new MemorySessionStorage<string>();
    const a = new EncryptedStorage<{ n: number; list?: number[] }>(inner, ring);
    const b = new EncryptedStorage<{ n: number }>(inner, ring);
    await a.write("qadam:s:c", { n: 1, list: [1] });
    const first = (await a.read("qadam:s:c"))!;
    first.list!.push(2); // a session is changed in place by the bot: the next read is a fresh copy
    expect(await a.read("qadam:s:c")).toEqual({ n: 1, list: [1] });
    await b.write("qadam:s:c", { n: 2 }); // another instance, same Redis
    expect(await a.read("qadam:s:c")).toEqual({ n: 2 });
    await a.write("qadam:s:c", { n: 3 });
    inner.delete("qadam:s:c"); // expired in Redis
    expect(await a.read("qadam:s:c")).toBeUndefined();
    await a.write("qadam:s:c", { n: 4 });
    await b.delete("qadam:s:c");
    expect(await a.read("qadam:s:c")).toBeUndefined();
    // A tampered value is refused, even right after this process wrote the original.
    await a.write("qadam:s:c", { n: 5 });
    const stored = inner.read("qadam:s:c")!;
    inner.write("qadam:s:c", flipBit(stored));
    expect(await a.read("qadam:s:c")).toBeUndefined();
  });

  it("keeps at most its bound of plain values, oldest out first", async () => {
    const ring = parseKeyring(newKeyEntry("k1"));
    const inner = new MemorySessionStorage<string>();
    const store = new EncryptedStorage<number>(inner, ring, () => {}, 3);
    for (let i = 0; i < 10; i++) await store.write(`qadam:s:${i}`, i);
    const recent = (store as unknown as { recent: Map<string, unknown> }).recent;
    expect([...recent.keys()]).toEqual(["qadam:s:7", "qadam:s:8", "qadam:s:9"]);
    for (let i = 0; i < 10; i++) expect(await store.read(`qadam:s:${i}`)).toBe(i);
  });

  it("explains a malformed key setting", () => {
    expect(() => parseKeyring("k1:short")).toThrow(/k1:<43 base64url characters>/);
    expect(() => loadConfig({ REDIS_URL: "redis://127.0.0.1:1" })).toThrow(/SESSION_KEYS: is required when REDIS_URL is set/);
    expect(() => loadConfig({ SESSION_TTL_DAYS: "0" })).toThrow(/SESSION_TTL_DAYS/);
    // A webhook needs its secret and HTTPS; Sentinel needs the master's name. All said at once.
    expect(() => loadConfig({ WEBHOOK_URL: "http://qadam.example.org/hook", REDIS_SENTINELS: "s1:26379" })).toThrow(
      /WEBHOOK_SECRET: is required when WEBHOOK_URL is set[\s\S]*WEBHOOK_URL: must start with https:\/\/[\s\S]*REDIS_SENTINEL_NAME: is required/,
    );
    expect(() => loadConfig({ REDIS_SENTINELS: "s1" })).toThrow(/REDIS_SENTINELS: must be host:port/);
    // Behind Sentinel, ioredis is given the sentinels and the master's name; the URL keeps the password and database.
    const r = connectRedis(
      { REDIS_URL: "redis://:s%40cret@ignored:6379/2", REDIS_SENTINELS: "s1:26379,s2:26380", REDIS_SENTINEL_NAME: "qadam" },
      { lazyConnect: true },
    );
    expect(r.options).toMatchObject({
      name: "qadam",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
      ],
      password: "s@cret",
      db: 2,
    });
    r.disconnect();
  });

  it("hides chat ids in key names", () => {
    const a = sessionId("secret-one", 12345);
    expect(a).not.toContain("12345");
    expect(sessionId("secret-one", 12345)).toBe(a);
    expect(sessionId("secret-two", 12345)).not.toBe(a);
  });
});

/**
 * A sealed session value with one bit of its ciphertext flipped. (Writing "A" over its last characters, as these
 * stories once did, left the value as it was whenever it already read so, or differed only in bits that base64
 * ignores: a story that failed now and then, 1 run in a few dozen.)
 */
function flipBit(sealed: string): string {
  const [format, keyId, body] = sealed.split(".") as [string, string, string];
  const bytes = Buffer.from(body, "base64url");
  bytes[bytes.length - 1]! ^= 1;
  const changed = `${format}.${keyId}.${bytes.toString("base64url")}`;
  expect(changed).not.toBe(sealed);
  return changed;
}
