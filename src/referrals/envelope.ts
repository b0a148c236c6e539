/**
 * The referral envelope, format `qadam-referral` version 1 (documented in docs/envelope.md).
 *
 * - A random data key per referral encrypts the dossier with XChaCha20-Poly1305; the header
 *   (code, time, country, recipients, signer) is the associated data, so it cannot be changed.
 * - The data key is sealed (`crypto_box_seal`) to each recipient's X25519 key, under a key id
 *   derived from that key, so each recipient finds their copy without trying them all.
 * - The bot signs header, nonce, ciphertext and sealed keys with its Ed25519 key, so a lawyer can
 *   check that the referral came from this Qadam instance (the verify key is published).
 * - Grants, added later by triage staff for another lawyer, sit outside the signature: a forged
 *   grant can only fail to decrypt, never change what the dossier says.
 *
 * Nothing here keeps the data key: once sealed, the server cannot read the referral.
 */
import sodium from "libsodium-wrappers";
import { z } from "zod";
import { OpenError, parseJson } from "./errors.js";
import { fromB64, keyId, toB64 } from "./keys.js";
import { poolRandomness } from "./random.js";

export { OpenError } from "./errors.js";

export const ENVELOPE_FORMAT = "qadam-referral";
export const ALG = "xchacha20poly1305-ietf+box-seal+ed25519";

const b64 = z.string().regex(/^[A-Za-z0-9_-]+$/);

export const envelopeSchema = z.strictObject({
  format: z.literal(ENVELOPE_FORMAT),
  v: z.literal(1),
  header: z.strictObject({
    code: z.string(),
    created: z.string(),
    country: z.string(),
    recipients: z.array(z.strictObject({ keyId: z.string(), name: z.string() })).min(1),
    signer: z.strictObject({ keyId: z.string(), publicKey: b64 }),
    alg: z.literal(ALG),
  }),
  nonce: b64,
  ciphertext: b64,
  keys: z.array(z.strictObject({ keyId: z.string(), sealed: b64 })).min(1),
  signature: b64,
  grants: z.array(z.strictObject({ keyId: z.string(), name: z.string(), sealed: b64, by: z.string(), created: z.string() })).optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
export type Grant = NonNullable<Envelope["grants"]>[number];

export interface Recipient {
  name: string;
  publicKey: Uint8Array;
}

/** JSON with object keys sorted at every level: the same bytes for the same value, everywhere. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const randomBytes = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));

/** What the bot signs (docs/envelope.md, "Sealing" 4), from the parts already written out. */
const signedText = (header: string, nonce: string, ciphertext: string, keys: string) =>
  `${ENVELOPE_FORMAT}/1\n${header}\n${nonce}\n${ciphertext}\n${keys}`;

const signedBytes = (e: Pick<Envelope, "header" | "nonce" | "ciphertext" | "keys">) =>
  signedText(canonical(e.header), e.nonce, e.ciphertext, canonical(e.keys));

/**
 * The costly steps of a seal: the two that run over the whole dossier, and each recipient's
 * sealed key. libsodium's by default (this module also runs in the lawyers' offline page); the
 * server passes Node's own, which give the same bytes (`nativeBulk` in native.ts).
 */
export interface Bulk {
  /** XChaCha20-Poly1305 (IETF), combined: ciphertext then tag. */
  encrypt(message: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** An Ed25519 detached signature; `privateKey` in libsodium's form (seed, then public key). */
  sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** `crypto_box_seal` of a recipient's copy of the data key. */
  sealTo(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

export const sodiumBulk: Bulk = {
  encrypt: (message, ad, nonce, key) => sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(message, ad, null, nonce, key),
  sign: (message, privateKey) => sodium.crypto_sign_detached(message, privateKey),
  sealTo: (message, publicKey) => sodium.crypto_box_seal(message, publicKey),
};

const utf8 = new TextEncoder();

const KEYBYTES = 32; // crypto_aead_xchacha20poly1305_ietf_KEYBYTES
const NPUBBYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

/** Seals a dossier (any JSON-able value) to the recipients and signs the result. */
export function seal(
  dossier: unknown,
  meta: { code: string; created: string; country: string },
  recipients: Recipient[],
  signer: { publicKey: Uint8Array; privateKey: Uint8Array },
  bulk: Bulk = sodiumBulk,
): Envelope {
  // libsodium's own randomness (each sealed copy's ephemeral key) from a pool, not 4 bytes a call.
  poolRandomness();
  // The data key and the nonce from Web Crypto in one call (libsodium.js asks for 4 bytes at a
  // time). Web Crypto, not node:crypto: this module also runs in the lawyers' offline page.
  const secret = randomBytes(KEYBYTES + NPUBBYTES);
  const dataKey = secret.subarray(0, KEYBYTES);
  const nonce = secret.subarray(KEYBYTES);
  try {
    const ids = recipients.map((r) => keyId(r.publicKey));
    const header: Envelope["header"] = {
      code: meta.code,
      created: meta.created,
      country: meta.country,
      recipients: recipients.map((r, i) => ({ keyId: ids[i] as string, name: r.name })),
      signer: { keyId: keyId(signer.publicKey), publicKey: toB64(signer.publicKey) },
      alg: ALG,
    };
    // Each part is written out once: the canonical header is both the associated data and what is signed.
    const headerText = canonical(header);
    const ciphertext = toB64(bulk.encrypt(utf8.encode(JSON.stringify(dossier)), utf8.encode(headerText), nonce, dataKey));
    const keys = recipients.map((r, i) => ({ keyId: ids[i] as string, sealed: toB64(bulk.sealTo(dataKey, r.publicKey)) }));
    const nonceText = toB64(nonce);
    const signature = toB64(bulk.sign(utf8.encode(signedText(headerText, nonceText, ciphertext, canonical(keys))), signer.privateKey));
    return { format: ENVELOPE_FORMAT, v: 1, header, nonce: nonceText, ciphertext, keys, signature };
  } finally {
    sodium.memzero(secret);
  }
}

/** Reads a `.qadam` file's text into an envelope, or says why it is not one. */
export function parseEnvelope(text: string): Envelope {
  const json = parseJson(text, "not_complete");
  const f = json as { format?: unknown; v?: unknown };
  if (f?.format !== ENVELOPE_FORMAT) throw new OpenError("not_referral");
  if (f.v !== 1) throw new OpenError("version", { version: String(f.v) });
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new OpenError("damaged");
  return parsed.data;
}

/**
 * Verifies and decrypts. `expectedSigner` is the published verify key of the Qadam instance;
 * without it the signature is still checked against the key the envelope names, and the caller
 * must show that key's fingerprint for comparison.
 */
export function open(
  envelope: Envelope,
  key: { publicKey: Uint8Array; secretKey: Uint8Array },
  expectedSigner?: Uint8Array,
): { plaintext: string; signer: Uint8Array; via: "recipient" | "grant" } {
  let signer: Uint8Array;
  try {
    signer = fromB64(envelope.header.signer.publicKey);
  } catch {
    throw new OpenError("signer_mismatch");
  }
  if (expectedSigner && toB64(expectedSigner) !== envelope.header.signer.publicKey) {
    throw new OpenError("other_signer");
  }
  if (keyId(signer) !== envelope.header.signer.keyId) throw new OpenError("signer_mismatch");
  let valid = false;
  try {
    valid = sodium.crypto_sign_verify_detached(fromB64(envelope.signature), signedBytes(envelope), signer);
  } catch {
    valid = false;
  }
  if (!valid) throw new OpenError("bad_signature");
  const ids = envelope.header.recipients.map((r) => r.keyId);
  if (canonical([...ids].sort()) !== canonical(envelope.keys.map((k) => k.keyId).sort())) {
    throw new OpenError("recipients_mismatch");
  }
  const mine = keyId(key.publicKey);
  const sealed = envelope.keys.find((k) => k.keyId === mine)?.sealed;
  const granted = envelope.grants?.find((g) => g.keyId === mine)?.sealed;
  const copy = sealed ?? granted;
  if (!copy) {
    const names = envelope.header.recipients.map((r) => r.name).join(", ");
    throw new OpenError("not_addressed", { keyId: mine, names });
  }
  let dataKey: Uint8Array;
  try {
    dataKey = sodium.crypto_box_seal_open(fromB64(copy), key.publicKey, key.secretKey);
  } catch {
    throw new OpenError("cannot_unseal");
  }
  try {
    const plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      fromB64(envelope.ciphertext),
      canonical(envelope.header),
      fromB64(envelope.nonce),
      dataKey,
    );
    return { plaintext: sodium.to_string(plain), signer, via: sealed ? "recipient" : "grant" };
  } catch {
    throw new OpenError("does_not_decrypt");
  } finally {
    sodium.memzero(dataKey);
  }
}

/**
 * A grant for a lawyer who was not an original recipient, made offline by triage staff with
 * their secret key: the data key, opened with the triage key and sealed to the new lawyer.
 *
 * The whole envelope is opened first, against the instance's verify key: otherwise a file built
 * from one referral's header and another's sealed key (both only ciphertext, so both may leak)
 * would have staff hand out the key of a referral they never meant to share.
 */
export function grant(
  envelope: Envelope,
  triage: { publicKey: Uint8Array; secretKey: Uint8Array },
  to: Recipient,
  created: string,
  verifyKey: Uint8Array,
): Grant {
  const mine = keyId(triage.publicKey);
  // Grants are the triage desk's decision: another recipient's key is refused, even though it could open the file.
  const isTriage = envelope.header.recipients.some((r) => r.keyId === mine && r.name === "triage");
  const sealed = envelope.keys.find((k) => k.keyId === mine)?.sealed;
  if (!sealed || !isTriage) throw new OpenError("not_triage");
  open(envelope, triage, verifyKey);
  let dataKey: Uint8Array;
  try {
    dataKey = sodium.crypto_box_seal_open(fromB64(sealed), triage.publicKey, triage.secretKey);
  } catch {
    throw new OpenError("triage_cannot_open");
  }
  try {
    return { keyId: keyId(to.publicKey), name: to.name, sealed: toB64(sodium.crypto_box_seal(dataKey, to.publicKey)), by: mine, created };
  } finally {
    sodium.memzero(dataKey);
  }
}

/** The envelope with a grant attached (replacing an earlier grant for the same key). */
/** The envelope kept, with every grant of both: a later grant never drops an earlier one. */
export function mergeGrants(kept: Envelope, incoming: Envelope): Envelope {
  return (incoming.grants ?? []).reduce((env, g) => withGrant(env, g), kept);
}

export function withGrant(envelope: Envelope, g: Grant): Envelope {
  return { ...envelope, grants: [...(envelope.grants ?? []).filter((x) => x.keyId !== g.keyId), g] };
}
