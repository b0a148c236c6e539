/**
 * Referrals end to end: a person sends their case; it arrives sealed at the triage desk and the
 * matched partner, opens only with the right key, and the server keeps nothing readable.
 * Delivery over Telegram survives 429, 5xx and network errors, sends each recipient exactly once,
 * and resumes after a worker restart.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseDossier, renderDossierText } from "../src/referrals/dossier.js";
import { open, parseEnvelope } from "../src/referrals/envelope.js";
import { parseKeyFile, toB64 } from "../src/referrals/keys.js";
import { ThreadSealer } from "../src/referrals/sealer.js";
import { Chat, type TestBot, testBot } from "./helpers/chat.js";
import { walkToResult } from "./helpers/profile.js";
import { dumpAll, TestRedis } from "./helpers/redis.js";
import { tool } from "./helpers/spawn.js";

const key = (name: string) => parseKeyFile(readFileSync(`examples/keys/${name}.secret.json`, "utf8"));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "qadam-ref-"));
  dirs.push(d);
  return d;
};
let redis: TestRedis;
const bots: TestBot[] = [];
beforeAll(async () => {
  await sodium.ready;
  redis = await TestRedis.start();
});
afterEach(async () => {
  // Each test's delivery workers stop with it, so no other test's worker takes its jobs.
  for (const b of bots.splice(0)) await b.app.close();
});
afterAll(async () => {
  await redis.down();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PHONE = "+7 701 555 12 34";
const NOTE = "My brother needs a doctor soon";

/** Acquitted in Kazakhstan, a relative asking (in Russian unless said), up to the result. */
async function toResult(chat: Chat, lang: Parameters<Chat["startIn"]>[0] = "ru"): Promise<void> {
  await chat.startIn(lang);
  await walkToResult(chat, chat.bot.app.deps.flows, {
    "opening/who": "relative",
    "opening/person_knows": "agrees",
    "opening/country": "kz",
    "legal/outcome": "acquitted",
    "legal/notice": "no",
    "legal/released_on": "2025-05",
    "legal/charge": ["expression"],
    "legal/pending": "no",
    "needs/areas": ["none"],
    "needs/ill_treated": "no",
    "needs/note": NOTE,
  });
}

/** From the result to the review screen; returns that message and its "Send" button's data. */
async function toReview(chat: Chat, contact: "qadam" | "phone", keep: "keep" | "delete"): Promise<{ id: number; send: string }> {
  await chat.choose("needs", "result", "refer");
  await chat.choose("referral", "consent", "agree");
  await chat.choose("referral", "contact", contact);
  if (contact === "phone") await chat.say(PHONE);
  await chat.choose("referral", "keep", keep);
  const review = chat.keyboard();
  return { id: review.id, send: review.buttons.flat().find((x) => x.text === chat.t("referral:review.options.send"))!.data };
}

/** From the result: ask for a lawyer, agree, "only through Qadam", send; returns the receipt code. */
async function sendToLawyer(chat: Chat): Promise<string> {
  const review = await toReview(chat, "qadam", "delete");
  await chat.pressData(review.send, review.id);
  return /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(chat.messages().find((m) => m.text.includes("QDM-"))!.text)![0];
}

async function bot(env: Record<string, string>, extra: Parameters<typeof testBot>[2] = {}): Promise<TestBot> {
  const b = await testBot(env, undefined, extra);
  bots.push(b);
  return b;
}

describe("a referral from the person's side", () => {
  it("a relative in Kazakhstan sends the case: consent names who reads it, review allows changes, receipt and /status", async () => {
    const out = tmp();
    const chat = new Chat(await bot({ REFERRALS_DIR: out }), 5001, "ru");
    await toResult(chat);
    await chat.choose("needs", "result", "refer");
    const consent = chat.last();
    // Organisations by their Russian names where the partners file gives them.
    expect(consent).toContain("Пример: Сеть защиты прав (приём обращений)");
    expect(consent).toContain("Пример: юридическая помощь, Алматы"); // compensation and review, speaks Russian
    expect(consent).toContain("Example Defence Bureau, Astana"); // review and UN complaints; no Russian name given
    expect(consent).not.toContain("Ташкент"); // Uzbekistan only
    await chat.choose("referral", "consent", "agree");
    await chat.choose("referral", "contact", "phone");
    await chat.say(PHONE);
    expect(chat.last()).toContain(chat.t("referral:keep.text").slice(0, 30)); // asked before sending
    await chat.choose("referral", "keep", "delete");
    // The review lists every answer; change the charge from there and come straight back.
    const list = chat.messages()[chat.messages().length - 2]!;
    // A phone number is not spelled out on a screen a searched phone would show: it says "saved".
    expect(list.text).not.toContain(PHONE);
    expect(list.text).toContain(`${chat.t("referral:contact_detail.text").split(".")[0]}`.slice(0, 20));
    expect(list.text).toContain(chat.t("common:answer.saved"));
    expect(list.text).toContain(chat.t("legal:charge.options.expression"));
    const charge = list.buttons.flat().find((b) => b.data.endsWith("|legal/charge"))!;
    expect(charge.data).toMatch(/^q\|\d+\|r\|legal\/charge$/);
    await chat.pressData(charge.data, list.id);
    await chat.press("legal:charge.options.expression"); // untick
    await chat.press("legal:charge.options.religion");
    await chat.press("common:buttons.done");
    expect(chat.last()).toContain(
      chat
        .t("referral:review.text")
        .replace(/<[^>]+>/g, "")
        .slice(0, 20),
    ); // back at the review
    await chat.choose("referral", "review", "send");
    const receipt = chat.messages().find((m) => m.text.includes("QDM-"))!.text;
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(receipt)![0];

    // Sealed files arrived for the triage desk and the partner, and nobody else.
    expect(readdirSync(out).sort()).toEqual(["kz_compensation", "kz_review", "triage"]);
    const file = readFileSync(join(out, "kz_compensation", `referral-${code}.qadam`), "utf8");
    expect(file).not.toContain(PHONE);
    expect(file).not.toContain("brother");
    const dossier = parseDossier(open(parseEnvelope(file), key("kz-compensation")).plaintext);
    expect(dossier.contact).toEqual({ how: "phone", detail: PHONE });
    expect(dossier.note).toBe(NOTE);
    expect(dossier.answers.find((a) => a.ref === "legal/charge")?.value).toEqual(["religion"]);
    expect(dossier.cards).toContain("kz_compensation");
    expect(Object.keys(dossier.texts).sort()).toEqual(["en", "kk", "ru"]);
    expect(renderDossierText(dossier, "kk")).toContain(chat.bot.app.deps.i18n.getFixedT("kk")("legal:charge.options.religion"));
    // The lawyer reads a summary first, answers under short labels, dates and times as written
    // locally, the language by name: no ISO timestamp, no "ru", no "then press Done".
    const ru = renderDossierText(dossier, "ru");
    const summary = ru.slice(ru.indexOf("Кратко"), ru.indexOf("Код обращения"));
    expect(summary).toContain("Страна производства по делу: Казахстан");
    expect(summary).toContain("Исход дела: Оправдательный приговор");
    expect(summary).toContain("Дата освобождения или решения: 05.2025");
    expect(summary).toContain("Отметки: возможно, идёт срок для требования о возмещении вреда\n"); // named once
    expect(summary).toContain("Как связаться с заявителем: По телефону");
    expect(ru).toMatch(/Отправлено\n\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} UTC/);
    expect(ru).toContain("Язык заявителя\nРусский");
    expect(ru).not.toMatch(/\d{4}-\d{2}-\d{2}T|\bru\b|Готово/);
    expect(() => open(parseEnvelope(file), key("uz-defence"))).toThrow("not_addressed");

    // The person chose to delete: nothing of the interview stays, and /status still works.
    expect(chat.last()).toBe(chat.t("referral:keep.deleted"));
    await chat.say("/mydata");
    expect(chat.last()).not.toContain(PHONE);
    expect(chat.last()).toContain(chat.t("common:mydata.none"));
    await chat.say("/status");
    expect(chat.last()).toContain(`${code}: ${chat.t("referral:status.received")}`);
    await chat.say(`/status ${code.toLowerCase().replace(/-/g, " ")}`);
    expect(chat.last()).toContain(code);
  });

  it("when the receipt cannot be shown, the case is still sent once, the phone number is gone, and /status has the code", async () => {
    const out = tmp();
    const b = await bot({ REFERRALS_DIR: out });
    const chat = new Chat(b, 5007, "ru");
    await toResult(chat);
    const review = await toReview(chat, "phone", "keep");
    b.api.failures.set("sendMessage", [{ error_code: 502, description: "Bad Gateway" }]); // the receipt
    await chat.pressData(review.send, review.id);
    expect(chat.last()).toBe(chat.t("referral:receipt_lost").replace(/<[^>]+>/g, ""));
    expect(readdirSync(join(out, "triage"))).toHaveLength(1);

    // Pressing "Send" again on the same screen does not send the case a second time.
    await chat.pressData(review.send, review.id);
    expect(readdirSync(join(out, "triage"))).toHaveLength(1);
    await chat.say("/mydata"); // the answers the person chose to keep, without contact or note
    expect(chat.last()).toContain(chat.t("legal:outcome.options.acquitted"));
    expect(chat.last()).not.toContain(PHONE);
    expect(chat.last()).not.toContain(NOTE);
    await chat.say("/status");
    const code = readdirSync(join(out, "triage"))[0]!.replace(/^referral-|\.qadam$/g, "");
    expect(chat.last()).toContain(`${code}: ${chat.t("referral:status.received")}`);
    // Coming back later, the person finds their result (summary and cards), not the note question.
    await chat.say("/start");
    await chat.press("common:resume.continue");
    expect(chat.last()).toContain(chat.t("rights:offer").replace(/<[^>]+>/g, ""));
  });

  it("with no partner for the case, only the triage desk receives it, and the person is told", async () => {
    const out = tmp();
    const chat = new Chat(await bot({ REFERRALS_DIR: out }), 5002, "en");
    await chat.startIn("en");
    await walkToResult(chat, chat.bot.app.deps.flows, { "opening/who": "self", "opening/country": "other", "needs/areas": ["none"] });
    await chat.choose("needs", "result", "refer");
    expect(chat.last()).toContain(chat.t("referral:no_match"));
    await chat.choose("referral", "consent", "agree");
    await chat.choose("referral", "contact", "qadam");
    await chat.skip(); // keep the answers? Skipping the question deletes them.
    await chat.choose("referral", "review", "send");
    expect(readdirSync(out)).toEqual(["triage"]);
    expect(chat.last()).toBe(chat.t("referral:keep.deleted"));
  });
});

describe("sealing beside the bot's thread (SEAL_THREAD=on, the default on Telegram)", () => {
  it("a relative in Kazakhstan sends in Kazakh: the worker seals what only the recipients open; if the thread dies, the next Send starts another", async () => {
    const out = tmp();
    const b = await bot({ REFERRALS_DIR: out, SEAL_THREAD: "on" });
    const sealer = b.app.deps.referrals.sealer;
    expect(sealer).toBeInstanceOf(ThreadSealer);
    const chat = new Chat(b, 5011, "kk");
    await toResult(chat, "kk");
    const review = await toReview(chat, "phone", "keep");

    // The thread stops (a crash, an out-of-memory kill) with a seal in hand: that seal fails
    // plainly, not silently, and nothing was stored…
    const inHand = sealer!.seal(
      { node: "x", answers: {}, versions: {}, step: 0 },
      { code: "QDM-TEST-0001", created: "2026-11-27T10:00:00Z", language: "kk", retentionDays: 30 },
    );
    await (sealer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(inHand).rejects.toThrow("the sealing thread stopped");
    expect(readdirSync(out)).toEqual([]);
    // …and the person's "Send" starts a new thread and sends the case, once.
    await chat.pressData(review.send, review.id);
    const code = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(chat.messages().find((m) => m.text.includes("QDM-"))!.text)![0];
    expect(readdirSync(out).sort()).toEqual(["kz_compensation", "kz_review", "triage"]);
    for (const [dir, who] of [
      ["triage", "triage"],
      ["kz_compensation", "kz-compensation"],
    ] as const) {
      const file = readFileSync(join(out, dir, `referral-${code}.qadam`), "utf8");
      expect(file).not.toContain(PHONE);
      const dossier = parseDossier(open(parseEnvelope(file), key(who)).plaintext);
      expect(dossier.contact).toEqual({ how: "phone", detail: PHONE });
      expect(dossier.note).toBe(NOTE);
      expect(dossier.language).toBe("kk");
      // The texts the thread wrote are the bot's own: the person's answer, in Kazakh.
      expect(renderDossierText(dossier, "kk")).toContain(chat.bot.app.deps.i18n.getFixedT("kk")("legal:outcome.options.acquitted"));
    }
    expect(() => open(parseEnvelope(readFileSync(join(out, "triage", `referral-${code}.qadam`), "utf8")), key("uz-defence"))).toThrow(
      "not_addressed",
    );
  });
});

describe("referrals on Redis and Telegram", () => {
  it("a Redis dump after a full referral holds no answer, name or phone number", async () => {
    const chat = new Chat(await bot({ REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" }), 500_377_194, "ru");
    await toResult(chat);
    const review = await toReview(chat, "phone", "keep");
    await chat.pressData(review.send, review.id);
    const peek = redis.client();
    const dump = await dumpAll(peek);
    peek.disconnect();
    expect(dump.some((d) => d.key.startsWith("bull:qadam-referrals"))).toBe(true); // the jobs are there
    const everything = dump.map((d) => `${d.key} ${d.text}`).join("\n");
    for (const secret of [PHONE, "701 555", "brother", "doctor", "acquitted", "expression", "relative", "500377194"])
      expect(everything).not.toContain(secret);
    // (A chat id as long as Telegram's: a short one, like "5003", turns up in random base64 by chance.)
  });

  it("when the session cannot be saved after sending, pressing Send again does not make a second case", async () => {
    const b = await bot({ REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" });
    const chat = new Chat(b, 500_377_195, "ru");
    await toResult(chat);
    const review = await toReview(chat, "qadam", "delete");
    // The next session write fails (Redis hiccups after the case was sealed and queued).
    const client = b.app.redis!;
    const set = client.set.bind(client) as (...a: unknown[]) => Promise<unknown>;
    let failed = false;
    (client as unknown as { set: (...a: unknown[]) => Promise<unknown> }).set = (...a: unknown[]) => {
      if (!failed && String(a[0]).startsWith("qadam:s:")) {
        failed = true;
        return Promise.reject(new Error("simulated write failure"));
      }
      return set(...a);
    };
    await chat.pressData(review.send, review.id);
    expect(failed).toBe(true);
    // The person tries again; the review message already shows the answer, so closing it again changes nothing.
    await chat.pressData(review.send, review.id, /message is not modified/);
    const cases = await b.app.deps.referrals!.store.byOwner(b.app.deps.referrals!.ownerId(500_377_195));
    expect(cases).toHaveLength(1);
    // The receipt, and again after the second press: the same code both times, one case.
    expect(chat.messages().filter((m) => m.text.includes(cases[0]!.code))).toHaveLength(2);
    await chat.say("/mydata");
    expect(chat.last()).toContain(chat.t("common:mydata.none"));
  });

  it("delivers each recipient exactly once through 429, 500 and network errors", async () => {
    const b = await bot(
      { REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" },
      { startWorker: true, retryBaseMs: 20 },
    );
    b.api.failures.set("sendDocument", [
      { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } },
      { error_code: 500, description: "Internal Server Error" },
      "network",
    ]);
    const chat = new Chat(b, 5004, "ru");
    await toResult(chat);
    const code = await sendToLawyer(chat);
    // (Other tests' referrals share the queue: count only this one's, by the code in the caption.)
    const mine = () => b.api.documents.filter((d) => d.caption.includes(code));
    await waitFor(() => mine().length >= 3, 15_000);
    await new Promise((r) => setTimeout(r, 500)); // time for any duplicate to show up
    expect(
      mine()
        .map((d) => d.chatId)
        .sort(),
    ).toEqual([-1000001, -1000002, -1000003].sort());
    expect(b.api.calls.filter((c) => c.method === "sendDocument").length).toBeGreaterThan(mine().length); // the failures happened
    // Adding the same deliveries again (a retry of the whole send) changes nothing.
    await b.app.dispatcher.dispatch(code, ["triage", "kz_compensation", "kz_review"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(mine()).toHaveLength(3);
  });

  it("a file that may have arrived before the connection was lost is not sent again: triage is asked to check", async () => {
    const b = await bot(
      { REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" },
      { startWorker: true, retryBaseMs: 20 },
    );
    b.api.failures.set("sendDocument", ["lost"]);
    const chat = new Chat(b, 5014, "ru");
    await toResult(chat);
    const code = await sendToLawyer(chat);
    // (Other tests' jobs share the queue, so the lost answer may hit any referral's first send.)
    const told = () => [...b.api.messages.values()].filter((m) => m.chatId === -1000001 && m.text.includes("may have reached"));
    const mine = () => b.api.documents.filter((d) => d.caption.includes(code));
    await waitFor(() => mine().length >= 2 && told().length >= 1, 15_000);
    await new Promise((r) => setTimeout(r, 500)); // time for any duplicate to show up
    // The file whose answer was lost is there once, and it was not sent again: triage is asked to check.
    const lostCode = /QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(told()[0]?.text ?? "")?.[0] ?? "";
    const pairs = b.api.documents.map((d) => `${/QDM-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(d.caption)?.[0]}@${d.chatId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.some((p) => p.startsWith(lostCode))).toBe(true);
    expect(told()).toHaveLength(1);
  });

  it("a worker stopped in the middle delivers after it starts again", async () => {
    const first = await bot({ REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" }); // no worker running
    const chat = new Chat(first, 5005, "ru");
    await toResult(chat);
    const code = await sendToLawyer(chat);
    expect(first.api.documents).toHaveLength(0);
    const second = await bot(
      { REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" },
      { startWorker: true, retryBaseMs: 20 },
    );
    const mine = () => second.api.documents.filter((d) => d.caption.includes(code));
    await waitFor(() => mine().length >= 3, 15_000);
    expect(
      mine()
        .map((d) => d.chatId)
        .sort(),
    ).toEqual([-1000001, -1000002, -1000003].sort());
  });

  it("staff move the case along and grant a new lawyer; the person sees the status, the lawyer gets the file", async () => {
    const b = await bot(
      { REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" },
      { startWorker: true, retryBaseMs: 20 },
    );
    const chat = new Chat(b, 5007, "ru");
    await toResult(chat);
    const code = await sendToLawyer(chat);
    const env = { REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" };
    expect((await tool("src/cli/referral-status.ts", [code, "in_review"], env)).code).toBe(0);
    await chat.say("/status");
    expect(chat.last()).toContain(`${code}: ${chat.t("referral:status.in_review")}`);
    // Offline, the triage desk grants the Tashkent lawyer; on the server, the bot delivers it.
    const folder = tmp();
    const envelope = (await b.app.deps.referrals!.store.envelope(code))!;
    writeFileSync(join(folder, "r.qadam"), envelope);
    const uz = JSON.parse(readFileSync("examples/keys/uz-defence.secret.json", "utf8")).publicKey;
    const verifyKey = toB64(b.app.deps.referrals!.signer.publicKey);
    const granted = await tool(
      "src/cli/referral-grant.ts",
      [
        join(folder, "r.qadam"),
        "--key",
        "examples/keys/triage.secret.json",
        "--verify",
        verifyKey,
        "--to",
        uz,
        "--name",
        "uz_defence",
        "--out",
        join(folder, "g.qadam"),
      ],
      {},
    );
    // On failure, say why (the tool's own message).
    expect({ code: granted.code, err: granted.err }).toEqual({ code: 0, err: expect.any(String) });
    const attached = await tool("src/cli/referral-attach.ts", [join(folder, "g.qadam"), "--to", "uz_defence"], env);
    expect(attached.err).toBe("");
    await waitFor(() => b.api.documents.some((d) => d.chatId === -1000004 && d.caption.includes(code)), 15_000);
    const delivered = (await b.app.deps.referrals!.store.envelope(code))!;
    expect(JSON.parse(open(parseEnvelope(delivered), key("uz-defence")).plaintext).code).toBe(code);
    // A partner who had the first delivery (say, after losing the file) gets a granted copy too.
    const kz = JSON.parse(readFileSync("examples/keys/kz-compensation.secret.json", "utf8")).publicKey;
    const before = b.api.documents.filter((d) => d.chatId === -1000002).length;
    writeFileSync(join(folder, "r2.qadam"), delivered);
    expect(
      (
        await tool(
          "src/cli/referral-grant.ts",
          [
            join(folder, "r2.qadam"),
            "--key",
            "examples/keys/triage.secret.json",
            "--verify",
            verifyKey,
            "--to",
            kz,
            "--name",
            "kz_compensation",
            "--out",
            join(folder, "g2.qadam"),
          ],
          {},
        )
      ).code,
    ).toBe(0);
    expect((await tool("src/cli/referral-attach.ts", [join(folder, "g2.qadam"), "--to", "kz_compensation"], env)).err).toBe("");
    await waitFor(() => b.api.documents.filter((d) => d.chatId === -1000002).length === before + 1, 15_000);
  }, 60_000);

  it("a delivery Telegram refuses for good is reported to the triage desk", async () => {
    const b = await bot(
      { REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-telegram.yaml" },
      { startWorker: true, retryBaseMs: 20 },
    );
    b.api.failures.set("sendDocument", [{ error_code: 403, description: "Forbidden: bot was blocked by the user" }]);
    const chat = new Chat(b, 5006, "ru");
    await toResult(chat);
    await sendToLawyer(chat);
    await waitFor(() => b.api.calls.some((c) => c.method === "sendMessage" && c.payload["chat_id"] === -1000001), 15_000);
    const notice = b.api.calls.find((c) => c.method === "sendMessage" && c.payload["chat_id"] === -1000001)!;
    expect(String(notice.payload["text"])).toMatch(/QDM-/);
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}
