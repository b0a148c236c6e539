/**
 * 10,000 random and malformed updates through the real bot on a real Redis (fast-check, seeded):
 * people typing anything, pressing made-up buttons, groups and channels, strangers trying staff
 * commands, staff and lawyers doing odd things. The bot must not crash or leave a rejection, send
 * nothing Telegram would refuse, write to no group but the staff and partner chats, show no staff
 * text to anyone else, and keep every session readable.
 */
import fc from "fast-check";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chat, type TestBot, testBot } from "./helpers/chat.js";
import { TestRedis } from "./helpers/redis.js";

let redis: TestRedis;
let b: TestBot;
beforeAll(async () => {
  redis = await TestRedis.start();
  b = await testBot({ REDIS_URL: redis.url, PARTNERS_FILE: "tests/fixtures/partners-staff.yaml" }, "2026-11-29", {
    startWorker: true,
    retryBaseMs: 20,
  });
}, 30_000);
afterAll(async () => {
  await b.app.close();
  await redis.down();
});

const STAFF = [9001, 9002];
const LAWYERS = [7001, 7002, 7003];
const GROUPS = [-1000001, -1000002, -1000003, -1000004];
const PEOPLE = Array.from({ length: 40 }, (_, i) => 880_000 + i);
const code = fc.constantFrom("QDM-AAAA-BBBB", "QDM-7K3Q-M2XA", "qdm 7k3q m2xa", "QDM-", "");
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom("1", "2024", "15.03.2025", "31.02.2024", "<b>&", "Ўзбекистон", "Kazakhstan", "\u202e\u001b[2J", " ", "x".repeat(1200)),
  fc
    .tuple(
      fc.constantFrom(
        "/start",
        "/back",
        "/mydata",
        "/status",
        "/pause",
        "/language",
        "/restart",
        "/delete",
        "/wipe",
        "/panic",
        "/discreet",
        "/verify",
        "/help",
        "/queue",
        "/case",
        "/audit",
        "/stats",
        "/reply",
        "/cancel",
        "/nonsense",
      ),
      code,
      fc.string({ maxLength: 20 }),
    )
    .map(([c, k, rest]) => `${c} ${k} ${rest}`.trim()),
);
const data = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc
    .tuple(
      fc.constantFrom("q", "s", "w", "p", "l", "x", "z", "e", "a", "r"),
      fc.nat(40),
      fc.constantFrom("c", "t", "d", "s", "b", "k", "p", "e", "rev", "as", "to", "cl", "acc", "dec", "dr", "rep", "q"),
      fc.string({ maxLength: 24 }),
    )
    .map(([p, n, a, arg]) => `${p}|${n}|${a}|${arg}`),
  fc.constantFrom(
    "l|en",
    "l|ru",
    "l|xx",
    "x|yes",
    "x|ask",
    "z|yes",
    "r|c",
    "e|now",
    "e|yes",
    "e|discreet",
    "a|yes",
    "s|rev|QDM-AAAA-BBBB",
    "w|acc|QDM-AAAA-BBBB",
  ),
);
const someone = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PEOPLE) },
  { weight: 1, arbitrary: fc.constantFrom(...STAFF, ...LAWYERS) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) },
);
const where = fc.oneof(
  { weight: 5, arbitrary: fc.constant("own" as const) },
  { weight: 1, arbitrary: fc.constantFrom(...GROUPS, -999, -100_555_000) },
);

let next = 1_000_000;
const update = fc.tuple(fc.nat(5), someone, where, text, data, fc.boolean()).map(([kind, from, at, t, d, missing]): Update => {
  const id = next++;
  const chatId = at === "own" ? from : at;
  const chat =
    chatId > 0
      ? { id: chatId, type: "private" as const, first_name: "F" }
      : { id: chatId, type: (chatId === -999 ? "channel" : "supergroup") as "supergroup", title: "G" };
  const user = {
    id: from,
    is_bot: false,
    first_name: "F",
    ...(missing ? {} : { language_code: ["ru", "kk", "uz", "en", "de"][from % 5] }),
  };
  const command = /^\/\w+/.exec(t);
  const message = {
    message_id: id,
    date: 0,
    chat,
    ...(missing && kind === 4 ? {} : { from: user }),
    text: t,
    ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
  };
  switch (kind) {
    case 0:
    case 1:
      return { update_id: id, message } as Update;
    case 2:
      return {
        update_id: id,
        callback_query: {
          id: String(id),
          from: user,
          chat_instance: "f",
          data: d,
          ...(missing ? {} : { message: { message_id: id - 1, date: 0, chat, text: "" } }),
        },
      } as Update;
    case 3:
      return { update_id: id, edited_message: { ...message, edit_date: 1 } } as Update;
    case 4:
      return {
        update_id: id,
        message: { ...message, text: undefined, document: { file_id: "f", file_unique_id: "f" } },
      } as unknown as Update;
    default:
      return {
        update_id: id,
        my_chat_member: {
          chat,
          from: user,
          date: 0,
          old_chat_member: { status: "member", user },
          new_chat_member: { status: "kicked", user, until_date: 0 },
        },
      } as unknown as Update;
  }
});

describe("random and malformed updates", () => {
  it("10,000 of them: no crash, nothing Telegram refuses, no group but the desk's, no staff text to others, sessions readable", async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    const updates = fc.sample(update, { numRuns: 10_000, seed: 20261129 });
    for (const u of updates) await b.app.bot.handleUpdate(u);
    await new Promise((r) => setTimeout(r, 200));
    process.off("unhandledRejection", onRejection);
    expect(rejections).toEqual([]);
    expect(b.api.refusals).toEqual([]);
    const sent = b.api.calls
      .filter((c) => c.method === "sendMessage" || c.method === "sendDocument")
      .map((c) => Number(c.payload["chat_id"]));
    expect(sent.filter((id) => id < 0 && !GROUPS.includes(id))).toEqual([]);
    const staffWords = /^(Case QDM|<b>Case QDM|<b>Cases<\/b>|<b>Audit<\/b>|<b>Referrals<\/b>)/;
    const leaked = b.api.calls.filter(
      (c) =>
        c.method === "sendMessage" &&
        Number(c.payload["chat_id"]) > 0 &&
        !STAFF.includes(Number(c.payload["chat_id"])) &&
        staffWords.test(String(c.payload["text"])),
    );
    expect(leaked).toEqual([]);
    expect(updates.length).toBe(10_000);
    // Sessions are still readable: a person from the storm, and a new one, go on as usual.
    const old = new Chat(b, PEOPLE[3] ?? 1, "en");
    await old.say("/mydata");
    expect(old.last()).not.toBe(old.t("common:errors.unavailable"));
    const fresh = new Chat(b, 890_001, "en");
    await fresh.startIn("en");
    await fresh.choose("opening", "who", "self");
    expect(fresh.last()).toContain(fresh.t("opening:country.text"));
  }, 120_000);
});
