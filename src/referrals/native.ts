/**
 * The two steps of a seal that run over the whole dossier — its encryption and the signature —
 * done by Node's own OpenSSL instead of libsodium's WebAssembly, with the same bytes out.
 *
 * Why: a dossier in three languages is tens of kilobytes, and libsodium.js copies it into its
 * WebAssembly memory and hashes it there; that was most of a "Send" (issue 10). The server seals,
 * so the server may use OpenSSL; the lawyers' offline page only opens, with libsodium, and never
 * loads this module (it uses `node:crypto`).
 *
 * - XChaCha20-Poly1305 (IETF): xchacha.ts.
 * - Ed25519 signatures are deterministic (RFC 8032): OpenSSL and libsodium give the same bytes for
 *   the same seed and message. libsodium's 64-byte private key is the seed then the public key.
 *
 * - `crypto_box_seal` (each recipient's copy of the data key) is X25519 with a fresh ephemeral key,
 *   HSalsa20 of the shared point, and XSalsa20-Poly1305 under the nonce BLAKE2b(ephemeral ‖
 *   recipient). The two X25519 operations, most of its cost in WebAssembly, are OpenSSL's here;
 *   HSalsa20 is written here; the 32-byte box itself and BLAKE2b stay libsodium's. The ephemeral
 *   private key never leaves OpenSSL, which wipes it when the key object is freed.
 *
 * tests/envelope.test.ts checks each against libsodium: the same bytes where the output is
 * deterministic, and libsodium opening what this seals where it is not.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import sodium from "libsodium-wrappers";
import type { Bulk } from "./envelope.js";
import { rotl, xchachaEncrypt } from "./xchacha.js";

/** HSalsa20: a 32-byte key from a 32-byte key and a 16-byte input (what crypto_box_beforenm does after X25519). */
export function hsalsa20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(input.buffer, input.byteOffset, 16);
  const s = new Uint32Array(16);
  s[0] = 0x61707865;
  s[5] = 0x3320646e;
  s[10] = 0x79622d32;
  s[15] = 0x6b206574;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.getUint32(i * 4, true);
    s[11 + i] = k.getUint32(16 + i * 4, true);
    s[6 + i] = n.getUint32(i * 4, true);
  }
  const qr = (a: number, b: number, c: number, d: number) => {
    s[b] = (s[b] as number) ^ rotl(((s[a] as number) + (s[d] as number)) | 0, 7);
    s[c] = (s[c] as number) ^ rotl(((s[b] as number) + (s[a] as number)) | 0, 9);
    s[d] = (s[d] as number) ^ rotl(((s[c] as number) + (s[b] as number)) | 0, 13);
    s[a] = (s[a] as number) ^ rotl(((s[d] as number) + (s[c] as number)) | 0, 18);
  };
  for (let round = 0; round < 10; round++) {
    // Columns, then rows.
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
  const out = new Uint8Array(32);
  const o = new DataView(out.buffer);
  for (const [i, w] of [0, 5, 10, 15, 6, 7, 8, 9].entries()) o.setUint32(i * 4, s[w] as number, true);
  s.fill(0);
  return out;
}

/** Recipients are the triage desk and a few partners: their OpenSSL keys are made once (bounded). */
const recipientKeys = new Map<string, KeyObject>();
function recipientKey(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString("base64");
  let key = recipientKeys.get(id);
  if (!key) {
    if (recipientKeys.size >= 1_000) recipientKeys.clear();
    key = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
    recipientKeys.set(id, key);
  }
  return key;
}
const ZERO16 = new Uint8Array(16);

/** `crypto_box_seal`: the ephemeral public key, then the box; libsodium's `crypto_box_seal_open` opens it. */
function sealTo(message: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const ephemeral = generateKeyPairSync("x25519");
  // As JWK: OpenSSL 3's DER encoder and decoder cost more than the X25519 operations themselves.
  const epk = Buffer.from(ephemeral.publicKey.export({ format: "jwk" }).x as string, "base64url");
  // OpenSSL refuses a point of small order (an all-zero shared secret), as libsodium does.
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipientKey(publicKey) });
  const key = hsalsa20(shared, ZERO16);
  shared.fill(0);
  try {
    const both = new Uint8Array(64);
    both.set(epk);
    both.set(publicKey, 32);
    const nonce = sodium.crypto_generichash(24, both, null);
    const box = sodium.crypto_box_easy_afternm(message, nonce, key);
    const out = new Uint8Array(32 + box.length);
    out.set(epk);
    out.set(box, 32);
    return out;
  } finally {
    key.fill(0);
  }
}

/** PKCS#8 for an Ed25519 seed (RFC 8410): this prefix, then the 32-byte seed. */
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
/** The bot has one signing key: its OpenSSL form is made once, not on every seal. */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function signDetached(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  let key = keyObjects.get(privateKey);
  if (!key) {
    const der = Buffer.concat([PKCS8_ED25519, privateKey.subarray(0, 32)]);
    key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    der.fill(0);
    keyObjects.set(privateKey, key);
  }
  return sign(null, message, key);
}

/** The server's bulk steps for `seal` (see `Bulk` in envelope.ts). */
export const nativeBulk: Bulk = { encrypt: xchachaEncrypt, sign: signDetached, sealTo };
