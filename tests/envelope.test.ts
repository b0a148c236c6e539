/**
 * The referral envelope: every recipient can open it, nobody else can, and every kind of
 * tampering is refused with a message that says what happened.
 */
import sodium from "libsodium-wrappers";
import { beforeAll, describe, expect, it } from "vitest";
import { normalizeReceiptCode, newReceiptCode } from "../src/referrals/code.js";
import { grant, open, OpenError, parseEnvelope, seal, withGrant, type Envelope } from "../src/referrals/envelope.js";
import { fingerprint, fromB64, keyId, newBoxKeyFile, parseKeyFile, signingKeyFromSeed, newSigningSeed } from "../src/referrals/keys.js";

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

const fails = (f: () => unknown, pattern: RegExp) => {
  expect(f).toThrow(OpenError);
  expect(f).toThrow(pattern);
};

describe("the referral envelope", () => {
  it("opens for each recipient, with the bot's signature checked", () => {
    const { triage, lawyer, signer, text } = sealed();
    expect(text).not.toContain("answers in here");
    expect(text).not.toContain("700");
    for (const who of [triage, lawyer]) {
      const r = open(parseEnvelope(text), who.key, signer.publicKey);
      expect(JSON.parse(r.plaintext)).toEqual({ hello: "answers in here", phone: "+7 700 000 00 00" });
    }
  });

  it("refuses the wrong key, naming who it was sealed for", () => {
    const { stranger, text } = sealed();
    fails(() => open(parseEnvelope(text), stranger.key), /not addressed to your key .* sealed for: triage, lawyer-kz-1/);
  });

  it("refuses a swapped recipient list", () => {
    const { lawyer, stranger, text } = sealed();
    const env = parseEnvelope(text);
    const swapped: Envelope = { ...env, header: { ...env.header, recipients: [{ keyId: keyId(stranger.publicKey), name: "stranger" }, env.header.recipients[1]!] } };
    fails(() => open(swapped, lawyer.key), /signature does not match/);
  });

  it("refuses a changed header", () => {
    const { lawyer, text } = sealed();
    const env = parseEnvelope(text);
    fails(() => open({ ...env, header: { ...env.header, country: "uz" } }, lawyer.key), /signature does not match/);
  });

  it("refuses truncated data, whether the file or the ciphertext was cut", () => {
    const { lawyer, text } = sealed();
    fails(() => parseEnvelope(text.slice(0, text.length - 40)), /cut short/);
    const env = parseEnvelope(text);
    fails(() => open({ ...env, ciphertext: env.ciphertext.slice(0, -8) }, lawyer.key), /signature does not match/);
  });

  it("refuses a signature from another Qadam, and a file that is not a referral", () => {
    const { lawyer, text } = sealed();
    fails(() => open(parseEnvelope(text), lawyer.key, signingKeyFromSeed(newSigningSeed()).publicKey), /different Qadam key/);
    fails(() => parseEnvelope('{"format":"something-else"}'), /not a Qadam referral file/);
    fails(() => parseEnvelope('{"format":"qadam-referral","v":2}'), /format version 2/);
  });

  it("lets triage grant access to a new lawyer offline, without the bot reading anything", () => {
    const { triage, stranger, signer, text } = sealed();
    const env = parseEnvelope(text);
    const g = grant(env, triage.key, { name: "lawyer-uz-2", publicKey: stranger.publicKey }, "2026-11-28T09:00:00Z");
    const r = open(withGrant(env, g), stranger.key, signer.publicKey);
    expect(r.via).toBe("grant");
    expect(JSON.parse(r.plaintext).hello).toBe("answers in here");
    // A grant made by someone without the triage key opens nothing.
    const forged = { ...g, sealed: g.sealed.slice(0, -4) + "AAAA" };
    fails(() => open(withGrant(env, forged), stranger.key), /could not open this referral's data key/);
  });

  it("reads keys and codes the way people handle them", () => {
    const { lawyer } = sealed();
    expect(fingerprint(lawyer.publicKey)).toMatch(/^([0-9A-HJKMNP-TV-Z]{4} ){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(() => parseKeyFile("{}")).toThrow(/not a Qadam secret key file/);
    const bad = { ...lawyer.file, secretKey: newBoxKeyFile().secretKey };
    expect(() => parseKeyFile(JSON.stringify(bad))).toThrow(/do not match/);
    const code = newReceiptCode();
    expect(code).toMatch(/^QDM-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(normalizeReceiptCode("qdm 7k3q m2xa")).toBe("QDM-7K3Q-M2XA");
    expect(normalizeReceiptCode("QDM-7K3Q-M2XO")).toBe("QDM-7K3Q-M2X0");
    expect(normalizeReceiptCode("QDM-123")).toBeUndefined();
  });
});
