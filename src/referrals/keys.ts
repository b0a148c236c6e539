/**
 * Keys for referrals. Partners and the triage desk hold X25519 key pairs (libsodium box keys);
 * the bot signs envelopes with an Ed25519 key so a lawyer can check that a referral came from
 * this Qadam instance. Public keys travel as base64url without padding (43 characters for 32
 * bytes); a key id and a human fingerprint are derived from the public key so people can compare
 * keys over the phone.
 */
import sodium from "libsodium-wrappers";
import { z } from "zod";
import { OpenError, parseJson } from "./errors.js";

const B64 = () => sodium.base64_variants.URLSAFE_NO_PADDING;

/**
 * Node's Buffer writes exactly libsodium's URL-safe base64 without padding, without copying the
 * bytes into and out of the wasm heap and decoding the result; in a browser (the lawyers' page),
 * libsodium's own.
 */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
export const toB64 = NodeBuffer
  ? (b: Uint8Array): string => NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url")
  : (b: Uint8Array): string => sodium.to_base64(b, B64());
/** Decoding stays libsodium's: it refuses what is not canonical base64url, where Buffer would skip it. */
export const fromB64 = (s: string): Uint8Array => sodium.from_base64(s, B64());

/** A public key as written in the partners file and in config: 43 base64url characters, 32 bytes. */
export const publicKey32 = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, "must be 43 base64url characters (a 32-byte key); make one with: npm run keys:new")
  .refine((s) => {
    try {
      return fromB64(s).length === 32;
    } catch {
      return false;
    }
  }, "does not decode to 32 bytes");

/** A key someone pasted (the published verify key): decoded, or an error that says what to do. */
export function pastedKey(s: string): Uint8Array {
  if (!publicKey32.safeParse(s.trim()).success) throw new OpenError("bad_verify_key");
  return fromB64(s.trim());
}

/** The key id used inside envelopes: base64url of a 16-byte BLAKE2b hash of the public key. */
export function keyId(publicKey: Uint8Array): string {
  // The same few keys (triage, the partners, the bot's) on every seal: each one's id is hashed once.
  const pk = toB64(publicKey);
  let id = keyIds.get(pk);
  if (id === undefined) {
    if (keyIds.size >= 1_000) keyIds.clear();
    id = toB64(sodium.crypto_generichash(16, publicKey, null));
    keyIds.set(pk, id);
  }
  return id;
}
const keyIds = new Map<string, string>();

/** A fingerprint to read aloud: 8 groups of 4 characters (Crockford base32 of the same hash). */
export function fingerprint(publicKey: Uint8Array): string {
  const hash = sodium.crypto_generichash(20, publicKey, null);
  return (crockford(hash).match(/.{4}/g) ?? []).join(" ");
}

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Crockford base32 (no padding): unambiguous for people to read and type. */
export function crockford(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** A secret key file, as written by `npm run keys:new`. */
export const secretKeyFile = z.strictObject({
  type: z.literal("qadam-box-key"),
  v: z.literal(1),
  publicKey: publicKey32,
  secretKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type SecretKeyFile = z.infer<typeof secretKeyFile>;

export function newBoxKeyFile(): SecretKeyFile {
  const kp = sodium.crypto_box_keypair();
  return { type: "qadam-box-key", v: 1, publicKey: toB64(kp.publicKey), secretKey: toB64(kp.privateKey) };
}

/** Reads a key file's text; throws an OpenError a lawyer can act on. */
export function parseKeyFile(text: string): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const json = parseJson(text, "keyfile_not_json");
  const parsed = secretKeyFile.safeParse(json);
  if (!parsed.success) throw new OpenError("keyfile_not_qadam");
  const publicKey = fromB64(parsed.data.publicKey);
  let secretKey: Uint8Array;
  try {
    secretKey = fromB64(parsed.data.secretKey);
  } catch {
    throw new OpenError("keyfile_not_qadam"); // 43 characters, but not a canonical encoding
  }
  if (toB64(sodium.crypto_scalarmult_base(secretKey)) !== parsed.data.publicKey) throw new OpenError("keyfile_mismatch");
  return { publicKey, secretKey };
}

/** The bot's signing key from its 32-byte seed (config SIGNING_KEY). */
export function signingKeyFromSeed(seedB64: string): { publicKey: Uint8Array; privateKey: Uint8Array } {
  let seed: Uint8Array;
  try {
    seed = fromB64(seedB64);
  } catch {
    throw new Error("SIGNING_KEY is not valid base64url; copy it again, or make one with: npm run keys:signing");
  }
  if (seed.length !== 32) throw new Error("SIGNING_KEY must be 32 bytes (43 base64url characters); make one with: npm run keys:signing"); // an operator's setting, not a person's text
  return sodium.crypto_sign_seed_keypair(seed);
}

export function newSigningSeed(): string {
  return toB64(sodium.randombytes_buf(32));
}
