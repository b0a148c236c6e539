/**
 * XChaCha20-Poly1305 (IETF), as libsodium's crypto_aead_xchacha20poly1305_ietf_*, byte for byte,
 * done by Node's OpenSSL instead of libsodium's WebAssembly (which copies every value into its
 * memory and out again). For a dossier (tens of KB) it is three times as fast; for a session value
 * (about 1 KB) OpenSSL's set-up per call costs more than it saves, so sessions stay on libsodium.
 *
 * XChaCha20-Poly1305 is ChaCha20-Poly1305 (RFC 8439) under a subkey: the subkey is
 * HChaCha20(key, first 16 bytes of the nonce), the nonce is 4 zero bytes and the nonce's last 8
 * (draft-irtf-cfrg-xchacha, §2.3). OpenSSL has ChaCha20-Poly1305, not HChaCha20, which is written
 * here: one ChaCha20 core without the final addition, run once per value.
 *
 * tests/envelope.test.ts checks it against libsodium.
 */
import { createCipheriv } from "node:crypto";

/** A 32-bit left rotation (both ciphers' quarter-rounds use it). */
export const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** HChaCha20: a 32-byte subkey from a 32-byte key and a 16-byte input. */
export function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(input.buffer, input.byteOffset, 16);
  // "expand 32-byte k", the key, the input: ChaCha20's state with the input where counter and nonce go.
  const s = new Uint32Array(16);
  s.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  for (let i = 0; i < 8; i++) s[4 + i] = k.getUint32(i * 4, true);
  for (let i = 0; i < 4; i++) s[12 + i] = n.getUint32(i * 4, true);
  const qr = (a: number, b: number, c: number, d: number) => {
    s[a] = (s[a] as number) + (s[b] as number);
    s[d] = rotl((s[d] as number) ^ (s[a] as number), 16);
    s[c] = (s[c] as number) + (s[d] as number);
    s[b] = rotl((s[b] as number) ^ (s[c] as number), 12);
    s[a] = (s[a] as number) + (s[b] as number);
    s[d] = rotl((s[d] as number) ^ (s[a] as number), 8);
    s[c] = (s[c] as number) + (s[d] as number);
    s[b] = rotl((s[b] as number) ^ (s[c] as number), 7);
  };
  for (let round = 0; round < 10; round++) {
    qr(0, 4, 8, 12);
    qr(1, 5, 9, 13);
    qr(2, 6, 10, 14);
    qr(3, 7, 11, 15);
    qr(0, 5, 10, 15);
    qr(1, 6, 11, 12);
    qr(2, 7, 8, 13);
    qr(3, 4, 9, 14);
  }
  const out = new Uint8Array(32);
  const o = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) {
    o.setUint32(i * 4, s[i] as number, true);
    o.setUint32(16 + i * 4, s[12 + i] as number, true);
  }
  s.fill(0);
  return out;
}

/** XChaCha20-Poly1305 (IETF), combined: the ciphertext, then the 16-byte tag — as libsodium writes it. */
export function xchachaEncrypt(message: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const subkey = hchacha20(key, nonce.subarray(0, 16));
  try {
    const iv = new Uint8Array(12);
    iv.set(nonce.subarray(16, 24), 4);
    const cipher = createCipheriv("chacha20-poly1305", subkey, iv, { authTagLength: 16 });
    cipher.setAAD(ad, { plaintextLength: message.length });
    const head = cipher.update(message);
    const tail = cipher.final();
    return Buffer.concat([head, tail, cipher.getAuthTag()]);
  } finally {
    subkey.fill(0);
  }
}
