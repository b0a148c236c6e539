/**
 * The tools lawyers and staff run: a key pair for a new lawyer, a referral made in the local chat
 * opened with the command line, a grant for a lawyer who was not a recipient.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinOptionValues } from "../src/cli/args.js";
import { signingKeyFromSeed, toB64 } from "../src/referrals/keys.js";
import { runWithInput, tool } from "./helpers/spawn.js";

/**
 * The local chat, in English: me; Kazakhstan; acquitted; no notice; May 2025; "words"; nothing pending; no needs; the
 * announced question on ill-treatment: no; a note; send to a lawyer; agree; by phone; the number; delete my answers
 * after sending; send.
 */
const LOCAL_CHAT_INPUT = `${[
  "/start",
  "1",
  "1",
  "1",
  "1",
  "1",
  "1",
  "1",
  "2",
  "05.2025",
  "1",
  "6",
  "2",
  "1",
  "9",
  "10",
  "1",
  "2",
  "Need a lawyer soon \u001b[2J\u202e",
  "1",
  "1",
  "2",
  "+7 701 555 12 34",
  "2",
  "1",
].join("\n")}\n`;

const dir = mkdtempSync(join(tmpdir(), "qadam-cli-"));
/** The bot's signing seed in these stories, and the verify key the NGO would publish for it. */
const SIGNING_KEY = "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o";
let VERIFY_KEY = "";
beforeAll(async () => {
  await sodium.ready;
  VERIFY_KEY = toB64(signingKeyFromSeed(SIGNING_KEY).publicKey);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tools for lawyers and staff", () => {
  it("makes a key pair for a new lawyer: a private file, a public key and a fingerprint to read aloud", async () => {
    const key = join(dir, "new-lawyer.key");
    const r = await tool("src/cli/keys-new.ts", ["--out", key]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/public_key: {2}[A-Za-z0-9_-]{43}\n/);
    expect(r.out).toMatch(/fingerprint: ([0-9A-Z]{4} ){7}[0-9A-Z]{4}/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect((await tool("src/cli/keys-new.ts", ["--out", key])).code).toBe(2); // never overwrites a key
    // Replacing a key on purpose still leaves only the owner able to read it, whatever the old mode.
    chmodSync(key, 0o644);
    expect((await tool("src/cli/keys-new.ts", ["--out", key, "--force"])).code).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    // A link planted where the key goes is not followed.
    const planted = join(dir, "planted.key");
    symlinkSync(join(dir, "somewhere-else"), planted);
    expect((await tool("src/cli/keys-new.ts", ["--out", planted])).code).toBe(2);
    expect(existsSync(join(dir, "somewhere-else"))).toBe(false);
  });

  it("a referral made in the local chat opens with the partner's key, and with a grant for another lawyer", async () => {
    const out = join(dir, "referrals");
    const chat = await runWithInput(LOCAL_CHAT_INPUT, { REFERRALS_DIR: out, SIGNING_KEY });
    expect(chat.code).toBe(0);
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(chat.stdout)![0];
    expect(readdirSync(out).sort()).toEqual(["kz_compensation", "kz_review", "triage", "verify-key.txt"]);
    // The verify key of the key the local chat signed with lies beside the files.
    expect(readFileSync(join(out, "verify-key.txt"), "utf8").trim()).toBe(VERIFY_KEY);
    const file = join(out, "kz_compensation", `referral-${code}.qadam`);
    expect(readFileSync(file, "utf8")).not.toContain("701 555");

    // Who signed is checked by default: without the verify key the tool refuses, and says why.
    const refused = await tool("src/cli/referral-open.ts", [file, "--key", "examples/keys/kz-compensation.secret.json", "--lang", "en"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(JSON.parse(readFileSync("locales/en/lawyer.json", "utf8")).cli.no_verify);
    const risky = await tool("src/cli/referral-open.ts", [
      file,
      "--key",
      "examples/keys/kz-compensation.secret.json",
      "--lang",
      "en",
      "--unverified",
    ]);
    expect(risky.code).toBe(0);
    expect(risky.out.split("\n")[0]).toContain(JSON.parse(readFileSync("locales/en/lawyer.json", "utf8")).page.unverified);
    const opened = await tool("src/cli/referral-open.ts", [
      file,
      "--key",
      "examples/keys/kz-compensation.secret.json",
      "--lang",
      "kk",
      "--verify",
      VERIFY_KEY,
    ]);
    expect(opened.code).toBe(0);
    expect(opened.out).toContain(code);
    expect(opened.out).toContain("+7 701 555 12 34");
    expect(opened.out).toContain("Need a lawyer soon");
    // The person's text cannot drive the lawyer's terminal, nor come before the signature check.
    expect(opened.out).toContain("Need a lawyer soon \\u001b[2J\\u202e");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape itself must not reach the terminal
    expect(opened.out).not.toMatch(/[\u001b\u202e]/);
    const kk = JSON.parse(readFileSync("locales/kk/lawyer.json", "utf8")).page;
    expect(opened.out.indexOf(kk.signed.split("{{")[0])).toBe(0);
    const badVerify = await tool("src/cli/referral-open.ts", [
      file,
      "--key",
      "examples/keys/kz-compensation.secret.json",
      "--verify",
      "not-a-key",
      "--lang",
      "en",
    ]);
    expect(badVerify.code).toBe(1);
    expect(badVerify.err).toContain(JSON.parse(readFileSync("locales/en/lawyer.json", "utf8")).errors.bad_verify_key);
    const json = JSON.parse(
      (
        await tool("src/cli/referral-open.ts", [
          file,
          "--key",
          "examples/keys/kz-compensation.secret.json",
          "--json",
          "--verify",
          VERIFY_KEY,
        ])
      ).out,
    );
    expect(json.contact).toEqual({ how: "phone", detail: "+7 701 555 12 34" });

    const wrong = await tool("src/cli/referral-open.ts", [
      file,
      "--key",
      "examples/keys/uz-defence.secret.json",
      "--lang",
      "ru",
      "--verify",
      VERIFY_KEY,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(JSON.parse(readFileSync("locales/ru/lawyer.json", "utf8")).errors.not_addressed.split("{{")[0].trim());

    const uzKey = JSON.parse(readFileSync("examples/keys/uz-defence.secret.json", "utf8")).publicKey;
    const granted = join(dir, "granted.qadam");
    const g = await tool("src/cli/referral-grant.ts", [
      join(out, "triage", `referral-${code}.qadam`),
      "--key",
      "examples/keys/triage.secret.json",
      "--verify",
      VERIFY_KEY,
      "--to",
      uzKey,
      "--name",
      "uz_defence",
      "--out",
      granted,
    ]);
    expect(g.code).toBe(0);
    expect(g.out).toContain(`Referral ${code} (kz, `); // staff see which case they are sharing
    const viaGrant = await tool("src/cli/referral-open.ts", [
      granted,
      "--key",
      "examples/keys/uz-defence.secret.json",
      "--lang",
      "en",
      "--verify",
      VERIFY_KEY,
    ]);
    expect(viaGrant.code).toBe(0);
    expect(viaGrant.out).toContain(JSON.parse(readFileSync("locales/en/lawyer.json", "utf8")).page.granted);
    // Only the triage key can grant.
    const notTriage = await tool("src/cli/referral-grant.ts", [
      file,
      "--key",
      "examples/keys/kz-compensation.secret.json",
      "--verify",
      VERIFY_KEY,
      "--to",
      uzKey,
      "--name",
      "uz_defence",
      "--out",
      join(dir, "x.qadam"),
    ]);
    expect(notTriage.code).toBe(1);
    // Without Qadam's verify key, no grant: staff must know the file came from their Qadam.
    const unverified = await tool("src/cli/referral-grant.ts", [
      join(out, "triage", `referral-${code}.qadam`),
      "--key",
      "examples/keys/triage.secret.json",
      "--to",
      uzKey,
      "--name",
      "uz_defence",
      "--out",
      join(dir, "y.qadam"),
    ]);
    expect(unverified.code).toBe(2);
    expect(unverified.err).toContain("--verify <Qadam verify key>");
  });

  it('an NGO whose verify key starts with "-" and a lawyer whose key does (one key in 64 each): the tools take them as typed', async () => {
    // Seeds 0, 1, 2… until the key starts with "-": the same keys every run.
    const seed = (i: number) => Uint8Array.from({ length: 32 }, (_, k) => (k === 0 ? i & 255 : k === 1 ? i >> 8 : 7));
    let i = 0;
    while (!toB64(signingKeyFromSeed(toB64(seed(i))).publicKey).startsWith("-")) i++;
    const signing = toB64(seed(i));
    const verify = toB64(signingKeyFromSeed(signing).publicKey);
    let j = 0;
    let lawyer = sodium.crypto_box_seed_keypair(seed(j));
    while (!toB64(lawyer.publicKey).startsWith("-")) lawyer = sodium.crypto_box_seed_keypair(seed(++j));
    const lawyerFile = join(dir, "dash-lawyer.key");
    writeFileSync(
      lawyerFile,
      JSON.stringify({ type: "qadam-box-key", v: 1, publicKey: toB64(lawyer.publicKey), secretKey: toB64(lawyer.privateKey) }),
      { mode: 0o600 },
    );

    const out = join(dir, "dash-referrals");
    const chat = await runWithInput(LOCAL_CHAT_INPUT, { REFERRALS_DIR: out, SIGNING_KEY: signing });
    expect(chat.code).toBe(0);
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(chat.stdout)![0];
    expect(readFileSync(join(out, "verify-key.txt"), "utf8").trim()).toBe(verify);
    // The lawyer types the key as the NGO published it, after a space: parseArgs alone refused it as "ambiguous".
    const file = join(out, "kz_compensation", `referral-${code}.qadam`);
    const opened = await tool("src/cli/referral-open.ts", [file, "--key", "examples/keys/kz-compensation.secret.json", "--verify", verify]);
    expect({ code: opened.code, err: opened.err }).toEqual({ code: 0, err: "" });
    expect(opened.out).toContain(code);
    // Triage grants the case to the lawyer whose key starts with "-"; the lawyer opens it.
    const granted = join(dir, "dash-granted.qadam");
    const g = await tool("src/cli/referral-grant.ts", [
      join(out, "triage", `referral-${code}.qadam`),
      "--key",
      "examples/keys/triage.secret.json",
      "--verify",
      verify,
      "--to",
      toB64(lawyer.publicKey),
      "--name",
      "uz_defence",
      "--out",
      granted,
    ]);
    expect({ code: g.code, err: g.err }).toEqual({ code: 0, err: expect.any(String) });
    const viaGrant = await tool("src/cli/referral-open.ts", [granted, "--key", lawyerFile, "--verify", verify, "--lang", "en"]);
    expect(viaGrant.code).toBe(0);
    expect(viaGrant.out).toContain(JSON.parse(readFileSync("locales/en/lawyer.json", "utf8")).page.granted);

    // A mistake on the command line: one line that says it, and how the command goes; no stack trace.
    const missing = await tool("src/cli/referral-open.ts", [file, "--key"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^Option '--key <value>' argument missing\nUsage: npm run referral:open -- /);
    expect(missing.err).not.toMatch(/^\s+at /m);
    const unknown = await tool("src/cli/referral-grant.ts", [file, "--keys", "x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^Unknown option '--keys'.*\nUsage: npm run referral:grant -- /);
    // Only a string option's value is joined, and never an option of the tool's own.
    const options = {
      verify: { type: "string" as const },
      out: { type: "string" as const },
      json: { type: "boolean" as const, short: "j" },
    };
    expect(joinOptionValues(["f", "--verify", "-Q3x", "--json"], options)).toEqual(["f", "--verify=-Q3x", "--json"]);
    expect(joinOptionValues(["--out", "--verify", "k"], options)).toEqual(["--out", "--verify", "k"]);
    expect(joinOptionValues(["--out", "-j"], options)).toEqual(["--out", "-j"]);
    expect(joinOptionValues(["--json", "-x", "--verify=-k"], options)).toEqual(["--json", "-x", "--verify=-k"]);
  });
});
