/**
 * The referral envelope: every recipient can open it, nobody else can, and every kind of
 * tampering is refused with a message that says what happened.
 */
import { readFileSync } from "node:fs";
import sodium from "libsodium-wrappers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { newReceiptCode, normalizeReceiptCode } from "../src/referrals/code.js";
import { canonical, type Envelope, grant, OpenError, open, parseEnvelope, seal, sodiumBulk, withGrant } from "../src/referrals/envelope.js";
import {
  fingerprint,
  fromB64,
  keyId,
  newBoxKeyFile,
  newSigningSeed,
  parseKeyFile,
  signingKeyFromSeed,
  toB64,
} from "../src/referrals/keys.js";
import { hsalsa20, nativeBulk } from "../src/referrals/native.js";
import { hchacha20 } from "../src/referrals/xchacha.js";

beforeAll(async () => {
  await sodium.ready;
});

function party(name: string) {
  const file = newBoxKeyFile();
  return { name, file, key: parseKeyFile(JSON.stringify(file)), publicKey: fromB64(file.publicKey) };
}

function sealed() {
  const triage = party("triage");
  const lawyer = party("lawyer-kz-1");
  const stranger = party("stranger");
  const signer = signingKeyFromSeed(newSigningSeed());
  const dossier = { hello: "answers in here", phone: "+7 700 000 00 00" };
  const env = seal(dossier, { code: "QDM-7K3Q-M2XA", created: "2026-11-27T10:00:00Z", country: "kz" }, [triage, lawyer], signer);
  return { triage, lawyer, stranger, signer, env, text: JSON.stringify(env) };
}

/** Fails with this error code (the words are in locales/<lng>/lawyer.json). */
const fails = (f: () => unknown, code: string, params?: Record<string, string>) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OpenError);
    expect((e as OpenError).code).toBe(code);
    if (params) expect((e as OpenError).params).toMatchObject(params);
    return;
  }
  throw new Error(`did not fail with ${code}`);
};

describe("the referral envelope", () => {
  it("opens for each recipient, with the bot's signature checked", () => {
    const { triage, lawyer, signer, text } = sealed();
    expect(text).not.toContain("answers in here");
    expect(text).not.toContain("700 000"); // (a bare "700" may turn up in random base64)
    for (const who of [triage, lawyer]) {
      const r = open(parseEnvelope(text), who.key, signer.publicKey);
      expect(JSON.parse(r.plaintext)).toEqual({ hello: "answers in here", phone: "+7 700 000 00 00" });
    }
  });

  it("refuses the wrong key, naming who it was sealed for", () => {
    const { stranger, text } = sealed();
    fails(() => open(parseEnvelope(text), stranger.key), "not_addressed", { names: "triage, lawyer-kz-1" });
  });

  it("refuses a swapped recipient list", () => {
    const { lawyer, stranger, text } = sealed();
    const env = parseEnvelope(text);
    const swapped: Envelope = {
      ...env,
      header: { ...env.header, recipients: [{ keyId: keyId(stranger.publicKey), name: "stranger" }, env.header.recipients[1]!] },
    };
    fails(() => open(swapped, lawyer.key), "bad_signature");
  });

  it("refuses a changed header", () => {
    const { lawyer, text } = sealed();
    const env = parseEnvelope(text);
    fails(() => open({ ...env, header: { ...env.header, country: "uz" } }, lawyer.key), "bad_signature");
  });

  it("refuses truncated data, whether the file or the ciphertext was cut", () => {
    const { lawyer, text } = sealed();
    fails(() => parseEnvelope(text.slice(0, text.length - 40)), "not_complete");
    const env = parseEnvelope(text);
    fails(() => open({ ...env, ciphertext: env.ciphertext.slice(0, -8) }, lawyer.key), "bad_signature");
  });

  it("refuses a signature from another Qadam, and a file that is not a referral", () => {
    const { lawyer, text } = sealed();
    fails(() => open(parseEnvelope(text), lawyer.key, signingKeyFromSeed(newSigningSeed()).publicKey), "other_signer");
    fails(() => parseEnvelope('{"format":"something-else"}'), "not_referral");
    fails(() => parseEnvelope('{"format":"qadam-referral","v":2}'), "version", { version: "2" });
  });

  it("lets triage grant access to a new lawyer offline, without the bot reading anything", () => {
    const { triage, stranger, signer, text } = sealed();
    const env = parseEnvelope(text);
    const g = grant(env, triage.key, { name: "lawyer-uz-2", publicKey: stranger.publicKey }, "2026-11-28T09:00:00Z", signer.publicKey);
    const r = open(withGrant(env, g), stranger.key, signer.publicKey);
    expect(r.via).toBe("grant");
    expect(JSON.parse(r.plaintext).hello).toBe("answers in here");
    // A grant made by someone without the triage key opens nothing.
    const forged = { ...g, sealed: `${g.sealed.slice(0, -4)}AAAA` };
    fails(() => open(withGrant(env, forged), stranger.key), "cannot_unseal");
  });

  it("grants nothing for a file pieced together from two referrals, or signed by another Qadam", () => {
    const { triage, lawyer, stranger, signer, env } = sealed();
    const other = seal(
      { hello: "another person's case" },
      { code: "QDM-AAAA-BBBB", created: "2026-11-27T11:00:00Z", country: "uz" },
      [triage, lawyer],
      signer,
    );
    const to = { name: "lawyer-uz-2", publicKey: stranger.publicKey };
    // This referral's header and signature, with the other referral's sealed key for triage.
    const pieced: Envelope = {
      ...env,
      keys: env.keys.map((k) => (k.keyId === keyId(triage.publicKey) ? other.keys.find((o) => o.keyId === k.keyId)! : k)),
    };
    fails(() => grant(pieced, triage.key, to, "2026-11-28T09:00:00Z", signer.publicKey), "bad_signature");
    fails(() => grant(env, triage.key, to, "2026-11-28T09:00:00Z", signingKeyFromSeed(newSigningSeed()).publicKey), "other_signer");
  });

  it("reads keys and codes the way people handle them", () => {
    const { lawyer } = sealed();
    expect(fingerprint(lawyer.publicKey)).toMatch(/^([0-9A-HJKMNP-TV-Z]{4} ){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    fails(() => parseKeyFile("{}"), "keyfile_not_qadam");
    const bad = { ...lawyer.file, secretKey: newBoxKeyFile().secretKey };
    fails(() => parseKeyFile(JSON.stringify(bad)), "keyfile_mismatch");
    const code = newReceiptCode();
    expect(code).toMatch(/^QDM-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(normalizeReceiptCode("qdm 7k3q m2xa")).toBe("QDM-7K3Q-M2XA");
    expect(normalizeReceiptCode("QDM-7K3Q-M2XO")).toBe("QDM-7K3Q-M2X0");
    expect(normalizeReceiptCode("QDM-123")).toBeUndefined();
  });
});

describe("sealing, as fast as it may be without changing a byte", () => {
  it("signs exactly the bytes docs/envelope.md names, built here on their own", () => {
    const { env, signer } = sealed();
    const documented = `qadam-referral/1\n${canonical(env.header)}\n${env.nonce}\n${env.ciphertext}\n${canonical(env.keys)}`;
    expect(sodium.crypto_sign_verify_detached(fromB64(env.signature), new TextEncoder().encode(documented), signer.publicKey)).toBe(true);
    expect(Object.keys(env)).toEqual(["format", "v", "header", "nonce", "ciphertext", "keys", "signature"]);
    expect(fromB64(env.nonce)).toHaveLength(24);
    expect(env.keys.map((k) => fromB64(k.sealed).length)).toEqual([80, 80]);
  });

  it("still opens a file sealed before this work (tests/fixtures), and seals new files of the same shape", () => {
    const fixture = JSON.parse(readFileSync("tests/fixtures/referral-before-seal-speed.json", "utf8"));
    const old = parseEnvelope(readFileSync("tests/fixtures/referral-before-seal-speed.qadam", "utf8"));
    for (const who of [fixture.triage, fixture.lawyer]) {
      const opened = open(old, parseKeyFile(JSON.stringify(who)), fromB64(fixture.verifyKey));
      expect(JSON.parse(opened.plaintext)).toEqual(fixture.dossier);
    }
    const { env } = sealed();
    const shape = (e: Envelope) => ({
      top: Object.keys(e),
      header: Object.keys(e.header),
      nonce: fromB64(e.nonce).length,
      keys: e.keys.map((k) => [Object.keys(k), fromB64(k.sealed).length]),
      signature: fromB64(e.signature).length,
    });
    expect(shape(env)).toEqual(shape(old));
  });

  it("writes base64url as libsodium does, whatever the length and offset", () => {
    for (let n = 0; n < 200; n++) {
      const bytes = sodium.randombytes_buf(n).subarray(n % 3);
      expect(toB64(bytes)).toBe(sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING));
    }
  });

  it("gives a key the same id however often it is asked, and another key another", () => {
    const a = party("a");
    const b = party("b");
    expect(keyId(a.publicKey)).toBe(toB64(sodium.crypto_generichash(16, a.publicKey, null)));
    expect(keyId(new Uint8Array(a.publicKey))).toBe(keyId(a.publicKey));
    expect(keyId(b.publicKey)).not.toBe(keyId(a.publicKey));
  });

  it("takes libsodium's randomness from Web Crypto in batches: a three-recipient seal is not 97 calls", () => {
    const { triage, lawyer, stranger, signer } = sealed();
    const spy = vi.spyOn(globalThis.crypto, "getRandomValues");
    const envs: Envelope[] = [];
    let calls = 0;
    try {
      for (let i = 0; i < 10; i++)
        envs.push(
          seal({ i }, { code: "QDM-7K3Q-M2XA", created: "2026-11-27T10:00:00Z", country: "kz" }, [triage, lawyer, stranger], signer),
        );
      calls = spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
    // 10 calls for the data keys and nonces, and one or two for the pool behind 30 ephemeral keys
    // (960 words: libsodium.js asks for a word per random byte); without the pool, 970.
    expect(calls).toBeLessThanOrEqual(12);
    // Every sealed copy has its own ephemeral key (its first 32 bytes), and every one opens.
    const ephemeral = envs.flatMap((e) => e.keys.map((k) => toB64(fromB64(k.sealed).subarray(0, 32))));
    expect(new Set(ephemeral).size).toBe(30);
    for (const e of envs)
      for (const p of [triage, lawyer, stranger]) expect(open(e, p.key, signer.publicKey).plaintext).toMatch(/^\{"i":\d\}$/);
  });
});

describe("the server seals with Node's OpenSSL, and the bytes are libsodium's", () => {
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

  it("derives HChaCha20's subkey as draft-irtf-cfrg-xchacha §2.2.1 does", () => {
    const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    const input = hex("000000090000004a0000000031415927");
    expect(Buffer.from(hchacha20(key, input)).toString("hex")).toBe("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
  });

  it("derives a box's key as crypto_box_beforenm does: HSalsa20 of the X25519 point", () => {
    for (let i = 0; i < 20; i++) {
      const a = sodium.crypto_box_keypair();
      const b = sodium.crypto_box_keypair();
      const point = sodium.crypto_scalarmult(a.privateKey, b.publicKey);
      expect(toB64(hsalsa20(point, new Uint8Array(16)))).toBe(toB64(sodium.crypto_box_beforenm(b.publicKey, a.privateKey)));
    }
  });

  it("seals each recipient's key so that libsodium's crypto_box_seal_open opens it, with a new ephemeral key each time", () => {
    const r = sodium.crypto_box_keypair();
    const key = sodium.randombytes_buf(32);
    const copies = Array.from({ length: 5 }, () => nativeBulk.sealTo(key, r.publicKey));
    for (const c of copies) {
      expect(c).toHaveLength(80);
      expect(toB64(sodium.crypto_box_seal_open(c, r.publicKey, r.privateKey))).toBe(toB64(key));
    }
    expect(new Set(copies.map((c) => toB64(c.subarray(0, 32)))).size).toBe(5);
    const other = sodium.crypto_box_keypair();
    expect(() => sodium.crypto_box_seal_open(copies[0] as Uint8Array, other.publicKey, other.privateKey)).toThrow();
  });

  it("encrypts and signs byte for byte as libsodium, for empty, short, long and non-Latin dossiers", () => {
    const signer = signingKeyFromSeed(newSigningSeed());
    for (const text of ["", "a", "Қазақстан · O'zbekiston · Ўзбекистон", "x".repeat(70_000), "é".repeat(33_333)]) {
      const message = new TextEncoder().encode(text);
      const ad = new TextEncoder().encode(`{"code":"QDM-${text.length}"}`);
      const key = sodium.randombytes_buf(32);
      const nonce = sodium.randombytes_buf(24);
      const native = nativeBulk.encrypt(message, ad, nonce, key);
      expect(toB64(native)).toBe(toB64(sodiumBulk.encrypt(message, ad, nonce, key)));
      expect(sodium.to_string(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, native, ad, nonce, key))).toBe(text);
      expect(toB64(nativeBulk.sign(message, signer.privateKey))).toBe(toB64(sodiumBulk.sign(message, signer.privateKey)));
    }
  });

  it("seals an envelope that every recipient opens with libsodium, and refuses it changed", () => {
    const { triage, lawyer, signer } = sealed();
    const dossier = { answers: [{ ref: "start/country", value: "kz" }], note: "Мен Алматыдамын" };
    const env = seal(
      dossier,
      { code: "QDM-7K3Q-M2XA", created: "2026-11-27T10:00:00Z", country: "kz" },
      [triage, lawyer],
      signer,
      nativeBulk,
    );
    for (const p of [triage, lawyer]) expect(JSON.parse(open(env, p.key, signer.publicKey).plaintext)).toEqual(dossier);
    const flipped = fromB64(env.ciphertext);
    flipped[5] = (flipped[5] as number) ^ 1;
    fails(() => open({ ...env, ciphertext: toB64(flipped) }, triage.key, signer.publicKey), "bad_signature");
  });
});

describe("canonical JSON (RFC 8785, JCS)", () => {
  it("writes the RFC's own example as the RFC does", () => {
    // RFC 8785 §3.2.3: numbers and strings in ECMAScript's form, keys sorted, no spaces.
    const input = String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonical(JSON.parse(input))).toBe(expected);
  });

  it("sorts keys by UTF-16 code units, as the RFC's sorting example does", () => {
    const given = ["\u20ac", "\r", "\ufb33", "1", "\ud83d\ude00", "\u0080", "\u00f6"];
    const order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"];
    expect(canonical(Object.fromEntries(given.map((k) => [k, 0])))).toBe(`{${order.map((k) => `${JSON.stringify(k)}:0`).join(",")}}`);
  });
});
