/**
 * The features' composer: grammY's filters without a Composer built per update. The same
 * behaviour a feature relies on: sync and async predicates, a branch extended after it was
 * registered, and a filter that does not match passing the update on.
 */
import { Bot, Composer, type Context } from "grammy";
import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import { FeatureComposer } from "../src/bot/composer.js";
import { LOCAL_BOT } from "../src/cli/local-chat.js";

const text = (t: string, id = 1): Update =>
  ({
    update_id: id,
    message: {
      message_id: id,
      date: 0,
      chat: { id: 7, type: "private", first_name: "A" },
      from: { id: 7, is_bot: false, first_name: "A" },
      text: t,
      ...(t.startsWith("/")
        ? { entities: [{ type: "bot_command", offset: 0, length: t.indexOf(" ") < 0 ? t.length : t.indexOf(" ") }] }
        : {}),
    },
  }) as Update;

/** A bot made of `composer`, then a last step that notes `end` if reached; sends the texts in turn. */
async function drive(composer: FeatureComposer<Context>, texts: string[], seen: string[], end?: string): Promise<void> {
  const bot = new Bot<Context>("0:test", { botInfo: LOCAL_BOT });
  bot.use(composer);
  if (end)
    bot.use(() => {
      seen.push(end);
    });
  let id = 1;
  for (const t of texts) await bot.handleUpdate(text(t, id++));
}

describe("a feature's composer", () => {
  it("routes as grammY does: commands, async predicates, late additions, and passing on", async () => {
    const seen: string[] = [];
    const feature = new FeatureComposer<Context>();
    const pm = feature.chatType("private");
    pm.command("start", () => {
      seen.push("start");
    });
    feature.filter(
      async (ctx) => ctx.message?.text === "slow",
      () => {
        seen.push("async");
      },
    );
    // Added to the branch after the branch was registered: still reached.
    pm.hears("late", () => {
      seen.push("late");
    });
    await drive(feature, ["/start", "slow", "late", "other"], seen, "passed on");
    expect(seen).toEqual(["start", "async", "late", "passed on"]);
  });

  it("keeps the order of registration: a filter that calls next, a use between filters, then the rest", async () => {
    const seen: string[] = [];
    const feature = new FeatureComposer<Context>();
    feature.on("message:text", (_ctx, next) => {
      seen.push("text");
      return next();
    });
    feature.hears("nothing", () => {
      seen.push("never");
    });
    feature.use((_ctx, next) => {
      seen.push("use");
      return next();
    });
    feature.on("message", (_ctx, next) => {
      seen.push("message");
      return next();
    });
    feature.command("help", () => {
      seen.push("help");
    });
    await drive(feature, ["/help", "hi"], seen, "end");
    expect(seen).toEqual(["text", "use", "message", "help", "text", "use", "message", "end"]);
  });

  it("an error boundary catches what its features throw and can pass the update on; a grammY composer inside still runs", async () => {
    const seen: string[] = [];
    const root = new FeatureComposer<Context>();
    const plain = new Composer<Context>();
    plain.command("plain", () => {
      seen.push("plain");
    });
    const broken = new FeatureComposer<Context>();
    broken.command("boom", () => {
      throw new Error("boom");
    });
    root.errorBoundary(
      (err, next) => {
        seen.push(`caught ${(err.error as Error).message}`);
        return next();
      },
      broken,
      plain,
    );
    root.use(() => {
      seen.push("after");
    });
    await drive(root, ["/boom", "/plain", "other"], seen);
    expect(seen).toEqual(["caught boom", "after", "plain", "after"]);
  });
});
