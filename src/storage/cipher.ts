/**
 * Encryption of session values at rest, so that a Redis dump or a seized server alone does not
 * reveal anybody's answers. XChaCha20-Poly1305 (libsodium) with a random nonce per write; the
 * storage key is bound as associated data, so a value cannot be moved to another person's key.
 *
 * Keys live in a keyring: the first key encrypts, every key decrypts. Each value names its key id,
 * so a new key can be put first and old sessions stay readable until they expire.
 */

import { randomFillSync } from "node:crypto";
import { createDeflateRaw, deflateRawSync, inflateRawSync, constants as zlibConstants } from "node:zlib";
import type { StorageAdapter } from "grammy";
import sodium from "libsodium-wrappers";

const B64 = () => sodium.base64_variants.URLSAFE_NO_PADDING;

/** Call once at start-up, before any key is parsed or any value encrypted. */
export async function cryptoReady(): Promise<void> {
  await sodium.ready;
}

export interface Keyring {
  current: { id: string; key: Uint8Array };
  byId: ReadonlyMap<string, Uint8Array>;
}

/** Parses `id:base64url-key[,id:key…]`; the first key is the one that encrypts. */
export function parseKeyring(spec: string, name = "SESSION_KEYS"): Keyring {
  const byId = new Map<string, Uint8Array>();
  const entries = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${name} is empty. Generate a key with: npm run keys:session`);
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_-]{1,16}):([A-Za-z0-9_-]{43})$/.exec(entry);
    const [, id, encoded] = m ?? [];
    if (!id || !encoded)
      throw new Error(`${name}: each entry must look like "k1:<43 base64url characters>" (generate one with: npm run keys:session)`);
    let key: Uint8Array;
    try {
      key = sodium.from_base64(encoded, B64());
    } catch {
      throw new Error(`${name}: key "${id}" is not valid base64url; copy it again, or make a new one with: npm run keys:session`);
    }
    if (key.length !== sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES) throw new Error(`${name}: key "${id}" is not 32 bytes`);
    if (byId.has(id)) throw new Error(`${name}: key id "${id}" appears twice`);
    byId.set(id, key);
  }
  const [first] = byId.entries();
  if (!first) throw new Error(`${name} is empty. Generate a key with: npm run keys:session`);
  const [id, key] = first;
  return { current: { id, key }, byId };
}

/** A fresh key entry for SESSION_KEYS, e.g. `k1:…`. */
export function newKeyEntry(id = "k1"): string {
  return `${id}:${sodium.to_base64(sodium.crypto_aead_xchacha20poly1305_ietf_keygen(), B64())}`;
}

/** A fresh random 32-byte secret, base64url. */
export function newSecret(): string {
  return sodium.to_base64(sodium.randombytes_buf(32), B64());
}

/**
 * Seals a value: `v2.<key id>.<nonce ‖ ciphertext, base64url>`, the plaintext deflated first (a
 * session's JSON repeats its field names: it shrinks to about a third). Bound to its key name
 * (and the format) as associated data, so a value cannot be moved to another key.
 */
export function encryptValue(keyring: Keyring, storageKey: string, plaintext: string): string {
  const { id, key } = keyring.current;
  const nonce = freshNonce();
  const packed = deflateSession(Buffer.from(plaintext, "utf8"));
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(packed, ad("v2", id, storageKey), null, nonce, key);
  return `v2.${id}.${Buffer.concat([nonce, ct]).toString("base64url")}`;
}

/**
 * A session's JSON is a few KB, so a 4 KB window loses nothing while zlib's state shrinks from
 * about 256 KB to 32 KB. Level 1 (zlib's fastest) rather than the default 6: about 50 B more
 * stored (about 1,170 B; the goal is 1,536 B) for 10–15 µs less per write. Reading keeps zlib's
 * default window, which opens every level and window.
 */
const DEFLATE = { windowBits: 12, memLevel: 8, level: 1 };

/** zlib's own one-shot call: a new stream, its state allocated, used once, closed. */
const deflateOnce = (input: Buffer): Buffer => deflateRawSync(input, DEFLATE);

/** The part of Node's zlib stream that `deflateSession` uses (not in Node's public types). */
interface ZlibInternals {
  _handle?: {
    reset(): void;
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  };
  _writeState?: Uint32Array;
}

/**
 * Deflates a session's JSON on one zlib stream kept for the process, reset before each write,
 * instead of `deflateRawSync`, which makes a stream, allocates zlib's state and frees it every time.
 * That fixed cost, with its memory cold, was most of the compression's 55–80 µs per update on the
 * bench machine (a reused stream: 27–36 µs; the same bytes out). It reaches into the stream
 * (`_handle.writeSync`, as Node's own `deflateRawSync` does), so it checks itself once at start:
 * if this Node's stream is not shaped as expected, or the bytes differ from `deflateRawSync`'s, the
 * plain call is used. A session too large for the output buffer takes the plain call too.
 */
const reused = reusedDeflate();
export const deflateSession: (input: Buffer) => Buffer = reused ?? deflateOnce;
/** Whether this Node's zlib stream could be reused (else each write makes its own). */
export const deflateReused = reused !== undefined;

function reusedDeflate(): ((input: Buffer) => Buffer) | undefined {
  try {
    const stream = createDeflateRaw(DEFLATE) as unknown as ZlibInternals;
    const handle = stream._handle;
    const state = stream._writeState;
    if (!handle || typeof handle.reset !== "function" || typeof handle.writeSync !== "function" || !(state instanceof Uint32Array))
      return undefined;
    const out = Buffer.allocUnsafe(64 * 1024);
    // zlib reports a failure as the stream's error (none is expected from deflating bytes in memory):
    // from then on, the plain call.
    let failed = false;
    (stream as unknown as NodeJS.EventEmitter).on("error", () => {
      failed = true;
    });
    const deflate = (input: Buffer): Buffer => {
      if (failed) return deflateOnce(input);
      try {
        handle.reset();
        handle.writeSync(zlibConstants.Z_FINISH, input, 0, input.length, out, 0, out.length);
      } catch {
        failed = true;
        return deflateOnce(input);
      }
      const [availOut = 0, availIn = 1] = state;
      // Not finished (the output did not fit): the plain call, which grows its buffer.
      if (availIn !== 0 || availOut === 0) return deflateOnce(input);
      return Buffer.from(out.subarray(0, out.length - availOut));
    };
    const probe = Buffer.from(JSON.stringify({ check: "deflateSession", answers: ["қазақ", "o‘zbek", "русский"] }).repeat(40), "utf8");
    if (!deflate(probe).equals(deflateOnce(probe)) || !deflate(Buffer.alloc(0)).equals(deflateOnce(Buffer.alloc(0)))) return undefined;
    return deflate;
  } catch {
    return undefined;
  }
}

/**
 * 24 random bytes, each used once, from a pool filled by one call to the system's CSPRNG per 170
 * nonces (as Node pools randomUUID's bytes): one system call per session write was a visible
 * share of each update. A nonce is public (it is stored beside the ciphertext), so bytes waiting
 * in the pool hold no secret; they only must not repeat, and none is handed out twice.
 */
function freshNonce(): Buffer {
  const n = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const nonce = Buffer.from(pool.subarray(poolAt, poolAt + n));
  poolAt += n;
  return nonce;
}
const pool = Buffer.alloc(24 * 170);
let poolAt = pool.length;

/** The plaintext, or an Error saying why it cannot be read (unknown key, tampering, bad format). Reads v1 values too. */
export function decryptValue(keyring: Keyring, storageKey: string, stored: string): string | Error {
  const parts = stored.split(".");
  const v1 = parts.length === 4 && parts[0] === "v1";
  const v2 = parts.length === 3 && parts[0] === "v2";
  if (!v1 && !v2) return new Error("not an encrypted session value");
  const id = parts[1] ?? "";
  const key = keyring.byId.get(id);
  if (!key) return new MissingKey(id);
  try {
    if (v1) {
      const [, , nonce, ct] = parts as [string, string, string, string];
      const pt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        sodium.from_base64(ct, B64()),
        ad("v1", id, storageKey),
        sodium.from_base64(nonce, B64()),
        key,
      );
      return sodium.to_string(pt);
    }
    const body = Buffer.from(parts[2] ?? "", "base64url");
    const n = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const packed = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      body.subarray(n),
      ad("v2", id, storageKey),
      body.subarray(0, n),
      key,
    );
    return inflateRawSync(packed).toString("utf8");
  } catch {
    return new Error("the value does not decrypt (wrong key, or changed)");
  }
}

/** A value sealed with a key that SESSION_KEYS no longer lists. */
export class MissingKey extends Error {
  constructor(readonly keyId: string) {
    super(
      `a session is encrypted with key "${keyId}", which is not in SESSION_KEYS: put that key back (keep old keys for SESSION_TTL_DAYS after a rotation)`,
    );
    this.name = "MissingKey";
  }
}

/** v1 values were bound to `qadam-session|…` (kept, so they still open); v2 names its format too. */
const ad = (format: "v1" | "v2", keyId: string, storageKey: string) =>
  format === "v1" ? `qadam-session|${keyId}|${storageKey}` : `qadam-session|v2|${keyId}|${storageKey}`;

/**
 * A grammY storage adapter that encrypts every value before handing it to `inner` (Redis or
 * memory). A value that does not decrypt under a key we have (changed, or damaged) is reported
 * and treated as absent: the person starts afresh rather than the bot failing on every message.
 * A value sealed with a key the keyring no longer holds is different: the answers are fine and
 * the configuration is not, so reading fails (the person is told storage is unavailable) and the
 * value is left as it is, readable again once the key is back in SESSION_KEYS. Treating it as
 * absent would overwrite it on the next save.
 */
export class EncryptedStorage<T> implements StorageAdapter<T> {
  /**
   * The last value this process wrote under each key, sealed and plain. A chat's next update
   * almost always reads back exactly what its last one wrote: when the stored text is that same
   * text (each write has its own random nonce, so equal text is the same write), the plain JSON is
   * taken from here instead of decrypting and inflating it again, a sixth of an update
   * (`npm run bench`). Anything else, such as a value another instance wrote, is decrypted as
   * before. It holds nothing the process could not read anyway (it holds the keys); a deleted
   * or expired session leaves it at its next read or delete. Bounded, oldest write first out: 2,000
   * chats (the last few minutes' at any busy hour), at most about 13 MB (a full session is 2.4 KB of
   * JSON, twice that as a string with Cyrillic in it, and 1.1 KB sealed).
   */
  private readonly recent = new Map<string, { stored: string; plain: string }>();

  constructor(
    private readonly inner: StorageAdapter<string>,
    private readonly keyring: Keyring,
    private readonly onUnreadable: (storageKey: string, why: Error) => void = () => {},
    private readonly keep = 2_000,
  ) {}

  async read(key: string): Promise<T | undefined> {
    const stored = await this.inner.read(key);
    const known = this.recent.get(key);
    if (stored === undefined) {
      this.recent.delete(key);
      return undefined;
    }
    if (known?.stored === stored) return JSON.parse(known.plain) as T;
    const plain = decryptValue(this.keyring, key, stored);
    if (plain instanceof MissingKey) throw plain;
    if (plain instanceof Error) {
      this.recent.delete(key);
      this.onUnreadable(key, plain);
      return undefined;
    }
    this.remember(key, stored, plain);
    return JSON.parse(plain) as T;
  }

  async write(key: string, value: T): Promise<void> {
    const plain = JSON.stringify(value);
    const stored = encryptValue(this.keyring, key, plain);
    // Forgotten first: if the write fails, the next read decrypts whatever is stored.
    this.recent.delete(key);
    await this.inner.write(key, stored);
    this.remember(key, stored, plain);
  }

  async delete(key: string): Promise<void> {
    this.recent.delete(key);
    await this.inner.delete(key);
  }

  private remember(key: string, stored: string, plain: string): void {
    this.recent.delete(key); // re-inserted last: the map's order is oldest first
    if (this.recent.size >= this.keep) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.set(key, { stored, plain });
  }
}
