/**
 * The offline page for lawyers, in headless Chromium: it opens a referral with the right key,
 * refuses the wrong one in the lawyer's language, and makes no network request at all.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLawyerPage } from "../src/cli/lawyer-page.js";
import { readLocales } from "../src/i18n/index.js";
import { seal } from "../src/referrals/envelope.js";
import { fromB64, newSigningSeed, signingKeyFromSeed, toB64 } from "../src/referrals/keys.js";

const CHROMIUM = "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "qadam-page-"));
let browser: Browser;
const signer = () => signingKeyFromSeed(SEED);
let SEED = "";

beforeAll(async () => {
  await sodium.ready;
  SEED = newSigningSeed();
  // The page as the NGO hands it out: with its verify key built in; and one made without.
  writeFileSync(join(dir, "open.html"), await buildLawyerPage("locales", toB64(signer().publicKey)));
  writeFileSync(join(dir, "open-nokey.html"), await buildLawyerPage());
  const dossier = {
    format: "qadam-dossier",
    v: 2,
    code: "QDM-7K3Q-M2XA",
    created: "2026-11-27T10:00:00Z",
    consent: { version: 1, at: "2026-11-27T10:00:00Z" },
    language: "ru",
    flows: { opening: 2 },
    answers: [{ ref: "opening/country", value: "kz" }],
    cards: ["kz_compensation"],
    contact: { how: "phone", detail: "+7 701 555 12 34" },
    note: "Call \u202eevening\u202c soon",
    texts: {
      ru: {
        headings: { title: "Обращение из Qadam", summary: "Кратко", answers: "Ответы", contact: "Как связаться" },
        questions: { "opening/country": "В какой стране было дело?" },
        answers: { "opening/country": "Казахстан" },
        cards: { kz_compensation: "Казахстан: возмещение вреда" },
        contact: "По телефону",
        summary: ["Страна производства по делу: Казахстан", "Отметки: сообщает о жестоком обращении"],
        labels: { "opening/country": "Страна производства по делу" },
        language: "Русский",
      },
    },
  };
  const pub = (name: string) => fromB64(JSON.parse(readFileSync(`examples/keys/${name}.secret.json`, "utf8")).publicKey);
  const env = seal(
    dossier,
    { code: "QDM-7K3Q-M2XA", created: "2026-11-27T10:00:00Z", country: "kz" },
    [
      { name: "triage", publicKey: pub("triage") },
      { name: "kz_compensation", publicKey: pub("kz-compensation") },
    ],
    signer(),
  );
  writeFileSync(join(dir, "referral.qadam"), JSON.stringify(env));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openWith(keyFile: string, lang: string, opts: { page?: string; anyway?: boolean } = {}) {
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`file://${join(dir, opts.page ?? "open.html")}`);
  await page.selectOption("#lang", lang);
  await page.setInputFiles("#referral", join(dir, "referral.qadam"));
  await page.setInputFiles("#keyfile", keyFile);
  if (opts.anyway) await page.check("#unverified");
  await page.click("#open");
  await page.waitForFunction(
    () => (document.getElementById("result")!.textContent ?? "") + (document.getElementById("error")!.textContent ?? "") !== "",
  );
  const result = await page.textContent("#result");
  const error = await page.textContent("#error");
  await page.close();
  return { result: result ?? "", error: error ?? "", requests: requests.filter((u) => !u.startsWith("file://")) };
}

describe.skipIf(!existsSync(CHROMIUM))("the offline page for lawyers", () => {
  it("opens a referral with the lawyer's key and shows the dossier and the signature", async () => {
    const r = await openWith("examples/keys/kz-compensation.secret.json", "ru");
    expect(r.error).toBe("");
    expect(r.result).toContain("Обращение из Qadam");
    expect(r.result).toContain("Казахстан");
    expect(r.result).toContain("+7 701 555 12 34");
    // The lawyer's summary comes first, then the answers under short labels; time and language as read locally.
    expect(r.result.indexOf("Кратко")).toBeLessThan(r.result.indexOf("Ответы"));
    expect(r.result).toContain("Отметки: сообщает о жестоком обращении");
    expect(r.result).toContain("Страна производства по делу: Казахстан");
    expect(r.result).toContain("27.11.2026 10:00 UTC");
    expect(r.result).toContain("Русский");
    expect(r.result).toContain((readLocales("locales")["ru"]!["lawyer"] as { page: Record<string, string> }).page["matches"]!);
    expect(r.requests).toEqual([]);
  });

  it("refuses a key the referral was not sealed for, in the lawyer's language", async () => {
    const r = await openWith("examples/keys/uz-defence.secret.json", "kk");
    expect(r.result).toBe("");
    const kk = readLocales("locales")["kk"]!["lawyer"] as { errors: Record<string, string> };
    expect(r.error).toContain(kk.errors["not_addressed"]!.split("{{")[0]!.trim());
    expect(r.requests).toEqual([]);
  });

  it("a page made without the verify key refuses to open until the lawyer chooses the risk, and then says it", async () => {
    const en = (readLocales("locales")["en"]!["lawyer"] as { page: Record<string, string> }).page;
    const refused = await openWith("examples/keys/kz-compensation.secret.json", "en", { page: "open-nokey.html" });
    expect(refused.result).toBe("");
    expect(refused.error).toBe(en["no_verify"]);
    const risky = await openWith("examples/keys/kz-compensation.secret.json", "en", { page: "open-nokey.html", anyway: true });
    expect(risky.result).toContain(en["unverified"]!);
  });

  it("shows a bidirectional override in the person's text as an escape, so the text reads as it is", async () => {
    const r = await openWith("examples/keys/kz-compensation.secret.json", "ru");
    expect(r.result).toContain("Call \\u202eevening\\u202c soon");
    expect(r.result).not.toContain("\u202e");
  });

  it("says plainly when a file is missing or the two are the wrong way round, in the lawyer's language", async () => {
    const uz = (readLocales("locales")["uz-Latn"]!["lawyer"] as { page: Record<string, string> }).page;
    const page = await browser.newPage();
    await page.goto(`file://${join(dir, "open.html")}`);
    await page.selectOption("#lang", "uz-Latn");
    const errorAfterOpen = async () => {
      await page.evaluate(() => (document.getElementById("error")!.textContent = ""));
      await page.click("#open");
      await page.waitForFunction(() => (document.getElementById("error")!.textContent ?? "") !== "");
      return page.textContent("#error");
    };
    expect(await errorAfterOpen()).toBe(uz["choose_referral"]);
    await page.setInputFiles("#referral", join(dir, "referral.qadam"));
    expect(await errorAfterOpen()).toBe(uz["choose_key"]);
    await page.setInputFiles("#referral", "examples/keys/kz-compensation.secret.json");
    await page.setInputFiles("#keyfile", join(dir, "referral.qadam"));
    expect(await errorAfterOpen()).toBe(uz["swapped"]);
    // Nothing a lawyer reads names a developer's command.
    for (const lang of ["en", "ru", "kk", "uz-Latn", "uz-Cyrl"])
      expect(JSON.stringify(readLocales("locales")[lang]!["lawyer"]), lang).not.toMatch(/npm run/);
    await page.close();
  });

  it("prints the dossier and its signature line, not the form", async () => {
    const page = await browser.newPage();
    await page.goto(`file://${join(dir, "open.html")}`);
    await page.selectOption("#lang", "en");
    await page.setInputFiles("#referral", join(dir, "referral.qadam"));
    await page.setInputFiles("#keyfile", "examples/keys/kz-compensation.secret.json");
    await page.click("#open");
    await page.waitForSelector("#print");
    expect(await page.textContent("#print")).toBe("Print");
    await page.emulateMedia({ media: "print" });
    expect(await page.isVisible("form")).toBe(false);
    expect(await page.isVisible("#print")).toBe(false);
    expect(await page.isVisible(".sig")).toBe(true);
    expect(await page.textContent("#result")).toContain("Казахстан");
    await page.close();
  });

  it("refuses a file that was changed", async () => {
    const env = JSON.parse(readFileSync(join(dir, "referral.qadam"), "utf8"));
    env.header.country = "uz";
    writeFileSync(join(dir, "referral.qadam"), JSON.stringify(env));
    const r = await openWith("examples/keys/triage.secret.json", "en");
    expect(r.error).toMatch(/signature does not match/);
  });
});
