/**
 * NGO staff and lawyers in Telegram, through the real bot against a real Redis: a case moves
 * received → in review → assigned → accepted → closed with staff and lawyer buttons, a relay
 * exchange in between, and the person's /status and notices follow. Every access rule has its
 * story: unknown users meet the unknown-command reply, staff buttons outside the staff chat do
 * nothing, a lawyer cannot write to a case not assigned to them. Relayed text and notes leave no
 * trace in Redis; the audit stream holds no content; the statistics hide small cells.
 */
import { readFileSync } from "node:fs";
import type { Update } from "grammy/types";
import sodium from "libsodium-wrappers";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { grant, parseEnvelope, withGrant } from "../src/referrals/envelope.js";
import { fromB64, parseKeyFile, signingKeyFromSeed } from "../src/referrals/keys.js";
import { statsCsv, statsTable } from "../src/triage/stats.js";
import { Chat, type TestBot, testBot } from "./helpers/chat.js";
import { sendThroughQadam, walkToResult } from "./helpers/profile.js";
import { dumpAll, TestRedis } from "./helpers/redis.js";

const STAFF_CHAT = -1000001;
const ADMIN = 9001;
const TRIAGE = 9002;
const LAWYER = 7001; // kz_compensation
const OTHER_LAWYER = 7002; // kz_review
const STRANGER = 4444;
const SIGNING_KEY = "eMXaDygI96i7dwmN_4Zyi4vzEDoLGJlvWR1IWro6s3o";
const RELAYED = "Please call me on Tuesday about the notice";
const ANSWER = "Tuesday after six is fine for me";

let redis: TestRedis;
const bots: TestBot[] = [];
beforeAll(async () => {
  await sodium.ready;
  redis = await TestRedis.start();
});
afterEach(async () => {
  for (const b of bots.splice(0)) await b.app.close();
});
afterAll(async () => {
  await redis.down();
});

let clock = new Date("2026-11-29T10:00:00Z");
const files = new Map<string, string>();
async function bot(url = redis.url): Promise<TestBot> {
  const b = await testBot({ REDIS_URL: url, PARTNERS_FILE: "tests/fixtures/partners-staff.yaml", SIGNING_KEY }, "2026-11-29", {
    now: () => clock,
    download: async (id) => files.get(id) ?? "",
    startWorker: true,
    retryBaseMs: 20,
  });
  bots.push(b);
  return b;
}

/** Deliveries run in the queue's worker: wait until this many files reached that chat. */
async function delivered(b: TestBot, chatId: number, count: number): Promise<void> {
  for (let i = 0; i < 200 && b.api.documents.filter((d) => d.chatId === chatId).length < count; i++)
    await new Promise((r) => setTimeout(r, 25));
  expect(b.api.documents.filter((d) => d.chatId === chatId)).toHaveLength(count);
}

let updateId = 50_000;
/** Someone other than the person: staff in the staff chat, a lawyer in their partner's chat or privately. */
class Member {
  constructor(
    readonly b: TestBot,
    readonly userId: number,
    readonly chatId: number,
  ) {}
  private chat() {
    return this.chatId < 0
      ? { id: this.chatId, type: "supergroup" as const, title: "Desk" }
      : { id: this.chatId, type: "private" as const, first_name: "M" };
  }
  async say(text: string, replyTo?: { id: number; text: string }): Promise<void> {
    const command = /^\/\w+/.exec(text);
    await this.b.app.bot.handleUpdate({
      update_id: updateId++,
      message: {
        message_id: updateId,
        date: 0,
        chat: this.chat(),
        from: { id: this.userId, is_bot: false, first_name: "M", language_code: "en" },
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
        ...(replyTo ? { reply_to_message: { message_id: replyTo.id, date: 0, chat: this.chat(), caption: replyTo.text } } : {}),
      },
    } as Update);
  }
  async press(data: string, messageId: number): Promise<string> {
    const id = String(updateId);
    await this.b.app.bot.handleUpdate({
      update_id: updateId++,
      callback_query: {
        id,
        from: { id: this.userId, is_bot: false, first_name: "M", language_code: "en" },
        chat_instance: "desk",
        data,
        message: { message_id: messageId, date: 0, chat: this.chat(), text: "" },
      },
    } as Update);
    expect(this.b.api.answeredCallbacks.has(id), `the press of "${data}" was not answered`).toBe(true);
    return id;
  }
  async sendFile(fileId: string): Promise<void> {
    await this.b.app.bot.handleUpdate({
      update_id: updateId++,
      message: {
        message_id: updateId,
        date: 0,
        chat: this.chat(),
        from: { id: this.userId, is_bot: false, first_name: "M", language_code: "en" },
        document: { file_id: fileId, file_unique_id: fileId, file_name: "granted.qadam" },
      },
    } as Update);
  }
}

const inChat = (b: TestBot, chatId: number) =>
  [...b.api.messages.values()].filter((m) => m.chatId === chatId).sort((a, b2) => a.id - b2.id);
const lastIn = (b: TestBot, chatId: number) => inChat(b, chatId).at(-1);
const cardOf = (b: TestBot, code: string) => inChat(b, STAFF_CHAT).find((m) => m.text.startsWith(`Case ${code}`));
const buttonData = (m: { buttons: { text: string; data: string }[][] } | undefined, label: string) => {
  const b = m?.buttons.flat().find((x) => x.text === label);
  if (!b)
    throw new Error(
      `no button "${label}" on: ${m?.buttons
        .flat()
        .map((x) => x.text)
        .join(" | ")}`,
    );
  return b.data;
};

/** A man acquitted in Kazakhstan, asking in English, who lets a lawyer write to him through Qadam. */
async function person(b: TestBot, id: number): Promise<{ chat: Chat; code: string }> {
  const chat = new Chat(b, id, "en");
  await chat.startIn("en");
  await walkToResult(chat, b.app.deps.flows, {
    "opening/who": "self",
    "opening/country": "kz",
    "legal/outcome": "acquitted",
    "legal/notice": "no",
    "legal/charge": ["expression"],
    "needs/areas": ["work", "health"],
    "needs/health": ["urgent"],
    "needs/ill_treated": "no",
  });
  const code = await sendThroughQadam(chat);
  expect(code).not.toBe("");
  return { chat, code };
}

describe("NGO staff and lawyers work a case in Telegram", () => {
  it("a case goes received → in review → assigned → accepted → closed, with a relay exchange, and the person follows it", async () => {
    const b = await bot();
    const { chat, code } = await person(b, 600_001);
    const staff = new Member(b, TRIAGE, STAFF_CHAT);
    const lawyer = new Member(b, LAWYER, -1000002);

    // The case card in the staff chat: triage metadata only.
    const card = cardOf(b, code);
    expect(card?.text).toContain("Country: Kazakhstan");
    expect(card?.text).toContain("Urgency: high");
    expect(card?.text).toContain("Why: urgent medical need, a compensation deadline may be running");
    expect(card?.text).toContain("Needs: Work or study, Health");
    expect(card?.text).toContain("The person agreed that a lawyer may write to them through Qadam.");
    expect(card?.text).not.toContain("600001");
    const cardId = card?.id ?? 0;

    // In review: the card is edited in place; the person gets a neutral notice, and /status says so.
    const before = chat.messages().length;
    await staff.press(buttonData(card, "In review"), cardId);
    expect(cardOf(b, code)?.id).toBe(cardId);
    expect(cardOf(b, code)?.text).toContain("Status: in review");
    expect(
      chat
        .messages()
        .slice(before)
        .map((m) => m.text),
    ).toEqual([`There is news about your request ${code}: /status`]);
    await chat.say("/status");
    expect(chat.last()).toContain(`${code}: in review`);

    // Assign to a partner that received the file.
    await staff.press(buttonData(cardOf(b, code), "Assign ▸"), cardId);
    await staff.press(buttonData(cardOf(b, code), "kz_compensation"), cardId);
    expect(cardOf(b, code)?.text).toContain("Status: assigned");
    expect(cardOf(b, code)?.text).toContain("Assigned to: Test Legal Aid, Almaty");

    // The lawyer accepts under the sealed file.
    await delivered(b, -1000002, 1);
    const file = inChat(b, -1000002);
    const accept = b.api.calls.find((c) => c.method === "sendDocument" && c.payload["chat_id"] === -1000002)?.payload["reply_markup"] as {
      inline_keyboard: { text: string; callback_data: string }[][];
    };
    expect(accept.inline_keyboard[0]?.map((x) => x.text)).toEqual(["Accept", "Decline"]);
    await lawyer.press(accept.inline_keyboard[0]?.[0]?.callback_data ?? "", file[0]?.id ?? 1);
    expect(cardOf(b, code)?.text).toContain("Status: accepted");
    expect(lastIn(b, STAFF_CHAT)?.text).toBe(`Test Legal Aid, Almaty accepted ${code}.`);
    await chat.say("/status");
    expect(chat.last()).toContain(`${code}: accepted by a lawyer`);

    // The lawyer writes through Qadam; the person answers with the Reply button.
    const privately = new Member(b, LAWYER, LAWYER);
    await privately.say(`/reply ${code} ${RELAYED}`);
    expect(lastIn(b, LAWYER)?.text).toBe("Delivered to the person. Qadam keeps no copy.");
    const framed = chat.messages().at(-1);
    expect(framed?.text).toBe(`A lawyer working on your request ${code} writes:\n\n${RELAYED}`);
    await chat.press("referral:relay.reply", { on: framed });
    await chat.say(ANSWER);
    expect(chat.last()).toBe("Your answer was sent to the lawyer.");
    expect(lastIn(b, LAWYER)?.text).toBe(`The person writes about ${code}:\n\n${ANSWER}`);
    // A reply (in Telegram's sense) to the file's message works too.
    await lawyer.say("And bring the court decision, please", { id: file[0]?.id ?? 1, text: `Qadam referral ${code}` });
    expect(chat.messages().at(-1)?.text).toContain("And bring the court decision, please");

    // Nothing of the relayed text stays in Redis: only counts and times.
    const peek = redis.client();
    const everything = (await dumpAll(peek)).map((d) => `${d.key} ${d.text}`).join("\n");
    peek.disconnect();
    for (const secret of [RELAYED, ANSWER, "court decision", "600001"]) expect(everything).not.toContain(secret);
    expect(cardOf(b, code)?.text).toContain("Messages relayed: 3");

    // Closed with a reason; the person's /status follows.
    await staff.press(buttonData(cardOf(b, code), "Close ▸"), cardId);
    await staff.press(buttonData(cardOf(b, code), "Helped"), cardId);
    expect(cardOf(b, code)?.text).toContain("Status: closed");
    expect(cardOf(b, code)?.text).toContain("Reason: Helped");
    expect(cardOf(b, code)?.buttons).toEqual([]);
    await chat.say("/status");
    expect(chat.last()).toContain(`${code}: closed`);

    // The audit stream has every action, and no content.
    const audit = await b.app.deps.desk.d.audit.all();
    expect(audit.filter((e) => e.code === code).map((e) => e.action)).toEqual([
      "review",
      "assign",
      "accept",
      "relay_out",
      "relay_in",
      "relay_out",
      "close",
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/Tuesday|court decision/);
  });

  it("a lawyer declines: the case is back with triage; a grant made offline reaches a new partner without a server command", async () => {
    const b = await bot();
    const { code } = await person(b, 600_002);
    const staff = new Member(b, ADMIN, STAFF_CHAT);
    const cardId = cardOf(b, code)?.id ?? 0;
    await staff.press(buttonData(cardOf(b, code), "Assign ▸"), cardId);
    await staff.press(buttonData(cardOf(b, code), "kz_compensation"), cardId);
    const lawyer = new Member(b, LAWYER, -1000002);
    await delivered(b, -1000002, 1);
    const doc = inChat(b, -1000002).at(-1)?.id ?? 1;
    await lawyer.press(`w|dec|${code}`, doc);
    await lawyer.press(`w|dr|${code}|capacity`, lastIn(b, -1000002)?.id ?? 1);
    expect(cardOf(b, code)?.text).toContain("Status: declined, back with triage");
    expect(lastIn(b, STAFF_CHAT)?.text).toBe(`Test Legal Aid, Almaty declined ${code} (No capacity now). The case is back with triage.`);

    // Assign to a partner who never had the file: the card says which grant to make offline.
    await staff.press(buttonData(cardOf(b, code), "Assign ▸"), cardId);
    await staff.press(buttonData(cardOf(b, code), "uz_defence ✉"), cardId);
    expect(lastIn(b, STAFF_CHAT)?.text).toContain(`uz_defence did not receive ${code}.`);
    expect(lastIn(b, STAFF_CHAT)?.text).toContain(`npm run referral:grant -- referral-${code}.qadam --key triage.key`);
    // Made offline with the triage key, sent into the staff chat as a file.
    const stored = parseEnvelope((await b.app.deps.referrals.store.envelope(code)) ?? "");
    const triage = parseKeyFile(readFileSync("examples/keys/triage.secret.json", "utf8"));
    /** The file as triage grants it, offline, to another partner's key. */
    const grantedTo = (name: string, key: string) =>
      JSON.stringify(
        withGrant(
          stored,
          grant(stored, triage, { name, publicKey: fromB64(key) }, clock.toISOString(), signingKeyFromSeed(SIGNING_KEY).publicKey),
        ),
      );
    files.set("granted-1", grantedTo("uz_defence", "0nB7-xeDH3L-ooj03XMmv-2gxoO35zfWTI_Tw4Vzz28"));
    files.set("forged", JSON.stringify({ ...stored, ciphertext: `${stored.ciphertext.slice(0, -4)}AAAA` }));
    await staff.sendFile("forged");
    expect(lastIn(b, STAFF_CHAT)?.text).toBe(`This is not the file Qadam sent for ${code}.`);
    await staff.sendFile("granted-1");
    expect(lastIn(b, STAFF_CHAT)?.text).toBe(
      `The granted file for ${code} is taken: it is on its way to Test Human Rights Lawyers, Tashkent, and the case is assigned.`,
    );
    await delivered(b, -1000004, 1);
    expect(cardOf(b, code)?.text).toContain("Assigned to: Test Human Rights Lawyers, Tashkent");
    // A second grant, made from the first file Qadam sent (without the first grant): both are kept.
    files.set("granted-2", grantedTo("kz_review", "OHSmwyRK3OOp5D41y2_7dV7zx1-uFI267ANGCBv5bnI"));
    await staff.sendFile("granted-2");
    const kept = parseEnvelope((await b.app.deps.referrals.store.envelope(code)) ?? "");
    expect(kept.grants?.map((x) => x.name).sort()).toEqual(["kz_review", "uz_defence"]);
  });

  it("cases left untouched are announced again: 48 h, or 4 h when urgent", async () => {
    clock = new Date("2026-11-29T10:00:00Z");
    const b = await bot();
    const { code } = await person(b, 600_003); // urgent medical need: high
    expect(await b.app.deps.desk.remind()).toEqual([]);
    clock = new Date("2026-11-29T14:30:00Z");
    expect(await b.app.deps.desk.remind()).toContain(code);
    expect(inChat(b, STAFF_CHAT).map((m) => m.text)).toContain(`Urgent: ${code} has had no action for 4 h.`);
    expect(await b.app.deps.desk.remind()).not.toContain(code); // once per quiet spell
    clock = new Date("2026-11-29T10:00:00Z");
  });
});

describe("who may do what", () => {
  it("to anyone else, staff and lawyer commands do not exist: the unknown-command reply, and an audit entry", async () => {
    const b = await bot();
    const stranger = new Member(b, STRANGER, STRANGER);
    await stranger.say("/frobnicate");
    const unknown = lastIn(b, STRANGER)?.text;
    expect(unknown).toBe((b.app.deps.i18n.getFixedT("en")("common:help") as string).replace(/<[^>]+>/g, ""));
    for (const cmd of ["/queue", "/case QDM-AAAA-BBBB", "/audit", "/stats", "/reply QDM-AAAA-BBBB hello"]) {
      const before = inChat(b, STRANGER).length;
      await stranger.say(cmd);
      expect(
        inChat(b, STRANGER)
          .slice(before)
          .map((m) => m.text),
        cmd,
      ).toEqual([unknown]);
    }
    const denied = (await b.app.deps.desk.d.audit.all()).filter((e) => e.role === "unknown").map((e) => e.action);
    expect(denied).toEqual(["denied:/queue", "denied:/case", "denied:/audit", "denied:/stats", "denied:/reply"]);
    // A triage member is not an admin: /audit is unknown to them too.
    const triage = new Member(b, TRIAGE, TRIAGE);
    await triage.say("/audit");
    expect(lastIn(b, TRIAGE)?.text).toBe(unknown);
  });

  it("staff buttons pressed outside the staff chat do nothing; a stranger's press in the staff chat does nothing", async () => {
    const b = await bot();
    const { code } = await person(b, 600_004);
    const cardId = cardOf(b, code)?.id ?? 0;
    await new Member(b, TRIAGE, TRIAGE).press(`s|rev|${code}`, cardId);
    await new Member(b, STRANGER, STAFF_CHAT).press(`s|rev|${code}`, cardId);
    expect((await b.app.deps.referrals.store.get(code))?.status).toBe("received");
    expect(cardOf(b, code)?.text).toContain("Status: received");
  });

  it("a lawyer cannot write to a case not assigned to their partner, nor accept one they never received", async () => {
    const b = await bot();
    const { chat, code } = await person(b, 600_005);
    const staff = new Member(b, TRIAGE, STAFF_CHAT);
    const cardId = cardOf(b, code)?.id ?? 0;
    await staff.press(buttonData(cardOf(b, code), "Assign ▸"), cardId);
    await staff.press(buttonData(cardOf(b, code), "kz_compensation"), cardId);
    const other = new Member(b, OTHER_LAWYER, OTHER_LAWYER);
    const before = chat.messages().length;
    await other.say(`/reply ${code} I am not your lawyer`);
    expect(lastIn(b, OTHER_LAWYER)?.text).toBe("This case is not assigned to you.");
    expect(chat.messages().length).toBe(before);
    const stranger = new Member(b, 7003, -1000004);
    await stranger.press(`w|acc|${code}`, 1);
    expect((await b.app.deps.referrals.store.get(code))?.status).toBe("assigned");
    // The person deletes their data: their chat id is gone, and no lawyer can reach them any more.
    expect(await b.app.deps.referrals.store.contact(code)).toBeDefined();
    await chat.say("/delete");
    await chat.press("common:delete.yes");
    expect(await b.app.deps.referrals.store.contact(code)).toBeUndefined();
    await new Member(b, LAWYER, LAWYER).say(`/reply ${code} hello`);
    expect(lastIn(b, LAWYER)?.text).toBe(
      "The person did not agree to be written to through Qadam. Use the contact in the file, if there is one.",
    );
  });

  it("/queue and /case for staff; the statistics hide counts under 5", async () => {
    const own = await TestRedis.start(); // figures of this story only
    onTestFinished(() => own.down());
    const b = await bot(own.url);
    const { code } = await person(b, 600_006);
    const staff = new Member(b, ADMIN, STAFF_CHAT);
    await staff.say("/queue high");
    expect(lastIn(b, STAFF_CHAT)?.text).toContain(`${code} · Kazakhstan · received · high`);
    await staff.say(`/case ${code}`);
    expect(lastIn(b, STAFF_CHAT)?.text.split("\n")[0]).toBe(`Case ${code}`);
    await staff.say("/stats");
    const stats = lastIn(b, STAFF_CHAT)?.text ?? "";
    expect(stats).toContain("2026-Q4 · Kazakhstan · all referrals: <5");
    expect(stats).not.toMatch(/: [1-4]$/m);
    const table = statsTable({ "2026-Q4|kz|*": 12, "2026-Q4|kz|work": 3 }, { received: 7, closed: 1 });
    expect(statsCsv(table)).toBe(
      ["quarter,country,need,referrals", "2026-Q4,kz,all,12", "2026-Q4,kz,work,<5", "", "status,cases", "received,7", "closed,<5"].join(
        "\n",
      ),
    );
  });
});

describe("what Redis keeps", () => {
  it("after cases, deliveries, staff actions, a relay and the figures, every key expires, none later than the referrals", async () => {
    const b = await bot();
    const { code } = await person(b, 600_009);
    await delivered(b, -1000002, 1);
    await new Member(b, TRIAGE, STAFF_CHAT).press(`s|rev|${code}`, cardOf(b, code)?.id ?? 0);
    await new Promise((r) => setTimeout(r, 300)); // let the worker finish its bookkeeping
    const peek = redis.client();
    const keys = await peek.keys("*");
    const lasting: string[] = [];
    for (const key of keys) {
      const ttl = await peek.ttl(key);
      if (ttl < 0 || ttl > 90 * 86_400) lasting.push(`${key} (${ttl})`);
    }
    peek.disconnect();
    expect(keys.length).toBeGreaterThan(5);
    expect(lasting).toEqual([]);
  });
});
