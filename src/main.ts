/**
 * `npm start`. With BOT_TOKEN: the bot on Telegram, by long polling through @grammyjs/runner,
 * one update at a time per chat; with WEBHOOK_URL too, by webhook (one or more instances on one
 * Redis). Without BOT_TOKEN: the local chat in this terminal, or on piped input. In every mode
 * /healthz and /metrics are served on OPS_PORT (on Telegram 9464 unless set).
 */

import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { autoRetry } from "@grammyjs/auto-retry";
import { run } from "@grammyjs/runner";
import { type Bot, GrammyError } from "grammy";
import type { Redis } from "ioredis";
import { buildApp } from "./app.js";
import { registerCommands } from "./bot/bot.js";
import type { QadamContext } from "./bot/context.js";
import { LOCAL_BOT, runLocalChat } from "./cli/local-chat.js";
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { signingKeyFromSeed, toB64 } from "./referrals/keys.js";
import { listen, opsServer, webhookServer } from "./serve.js";

/** Default port of /healthz and /metrics on Telegram (the OpenTelemetry Prometheus exporter's). */
const OPS_PORT = 9464;

async function main(): Promise<number> {
  const config = loadConfig();
  if (config.mode === "local") {
    const interactive = Boolean(process.stdin.isTTY);
    // Logs would mix with the chat: only warnings and worse, on stderr.
    const logger = createLogger(config.LOG_LEVEL ?? "warn");
    // With REDIS_URL, deliveries go through the queue, as on Telegram: this process runs its worker.
    const app = await buildApp(config, logger, { botInfo: LOCAL_BOT, startWorker: true });
    const ops = config.OPS_PORT ? await listen(opsServer(app, logger), config.OPS_HOST, config.OPS_PORT) : undefined;
    // The local chat signs with a key made for this run: its verify key goes beside the files, so
    // they can be opened and checked as a lawyer would (referral:open --verify, lawyer:page --verify).
    mkdirSync(config.REFERRALS_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(join(config.REFERRALS_DIR, "verify-key.txt"), `${toB64(signingKeyFromSeed(config.SIGNING_KEY).publicKey)}\n`);
    if (interactive) {
      console.log(
        "Qadam local chat: no BOT_TOKEN, so the bot talks here. Type a number or letter to press a button, or a message; /help lists the commands; Ctrl-D quits.",
      );
    }
    const languageCode = (process.env["LANG"] ?? "").split(/[_.]/)[0] || undefined;
    const lines = await runLocalChat(app.bot, {
      input: process.stdin,
      print: (l) => console.log(l),
      interactive,
      ...(languageCode ? { languageCode } : {}),
    });
    // A referral sent on the last line is delivered before the chat ends (with Redis, by the queue's worker).
    const left = await app.dispatcher.settle(15_000);
    if (left > 0)
      console.error(`Qadam: ${left} deliveries are still queued in Redis; they go out when a worker runs again (npm start, or the bot).`);
    await closeServer(ops);
    await app.close();
    if (!interactive && lines === 0) {
      console.error(
        "Qadam: no BOT_TOKEN is set, and there is neither a terminal nor any input for the local chat.\n" +
          "Run `npm start` in a terminal, pipe lines into it (printf '/start\\n1\\n' | npm start), or set BOT_TOKEN to run on Telegram.",
      );
      return 2;
    }
    return 0;
  }

  const logger = createLogger(config.LOG_LEVEL ?? "info");
  const webhook = config.WEBHOOK_URL && config.WEBHOOK_SECRET ? { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET } : undefined;
  // Long polling: one process, the runner orders each chat. Webhook: perhaps several processes,
  // so each update is taken once and each chat in turn through Redis (storage/turns.ts).
  const app = await buildApp(config, logger, { sequential: !webhook, shared: Boolean(webhook), startWorker: "later" });
  // Start only when both are reachable, with bounded tries and a message that names what is not.
  const problem =
    (await reachRedis(app.redis, config.START_ATTEMPTS)) ?? (await reachTelegram(app.bot, config.TELEGRAM_API_ROOT, config.START_ATTEMPTS));
  if (problem) {
    console.error(`Qadam cannot start: ${problem}`);
    // Closing waits on Redis and the queue's worker: give it a moment, not for ever.
    await Promise.race([app.close().catch(() => {}), sleep(2000)]);
    return 1;
  }
  // 429 and 5xx: a few quick retries. Network errors are rethrown, not retried for ever (the
  // plugin's default): a handler then fails visibly, and the delivery queue, which shares this
  // Api, keeps its own attempts, backoff and failure notice to the triage desk.
  app.bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60, rethrowHttpErrors: true }));
  await registerCommands(app.bot, app.deps);
  if (config.BOT_NAME)
    await app.bot.api.setMyName(config.BOT_NAME).catch((e: Error) => logger.warn({ err: e.message }, "bot name not set"));
  let server: Server | undefined;
  let runner: ReturnType<typeof run> | undefined;
  if (webhook) {
    server = await listen(webhookServer(app, { ...webhook, logger }), config.WEBHOOK_HOST, config.WEBHOOK_PORT);
    // Every instance may say it: the same address and secret, so the last one changes nothing.
    await app.bot.api.setWebhook(webhook.url, {
      secret_token: webhook.secret,
      allowed_updates: ["message", "callback_query", "my_chat_member"],
    });
  } else {
    // A webhook left from an earlier deployment would refuse getUpdates.
    await app.bot.api.deleteWebhook();
    runner = run(app.bot);
  }
  const opsPort = config.OPS_PORT ?? OPS_PORT;
  const ops = opsPort
    ? await listen(opsServer(app, logger, runner ? () => runner?.isRunning() ?? false : undefined), config.OPS_HOST, opsPort)
    : undefined;
  // Cases left untouched are announced again in the staff chat (the check runs every 10 minutes).
  const reminders = setInterval(
    () => void app.deps.desk.remind().catch((e: Error) => logger.warn({ err: e.message }, "reminders")),
    10 * 60_000,
  );
  reminders.unref();
  // The sealing thread (SEAL_THREAD) loads its content, and the delivery worker BullMQ, now that
  // updates are coming in.
  app.deps.referrals.sealer?.warm();
  app.startWorker();
  logger.info(
    { bot: app.bot.botInfo.username, mode: webhook ? "webhook" : "long polling", ops: opsPort ? `${config.OPS_HOST}:${opsPort}` : "off" },
    "Qadam is running on Telegram",
  );
  // A signal stops fetching, lets the updates in hand finish (Telegram will not send them again,
  // so dropping them would lose a person's answer), then closes the delivery worker and Redis.
  // main() waits for all of it: returning earlier would exit with work half done.
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      logger.info({ why }, "stopping");
      clearInterval(reminders);
      if (runner) {
        await runner.stop();
        const until = Date.now() + 10_000;
        while (runner.size() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      }
      // The webhook server stops taking requests and waits for those in hand (each is an update).
      await closeServer(server);
      await closeServer(ops);
      // The delivery worker and Redis close cleanly when Redis answers; if it does not, do not
      // hang: jobs in hand are taken up again by BullMQ (stalled-job check) after the restart.
      await Promise.race([app.close().catch((e: Error) => logger.warn({ err: e.message }, "closing")), sleep(10_000)]);
    })());
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  if (runner) {
    await runner.task();
    await stop("the runner stopped");
  } else await new Promise<void>((resolve) => server?.once("close", () => resolve()));
  await stopping;
  return 0;
}

/** Stops taking connections and waits for the requests in hand (idle keep-alive ones are closed). */
async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Redis answers a PING within `attempts` tries, or this says so. */
async function reachRedis(redis: Redis | undefined, attempts: number): Promise<string | undefined> {
  if (!redis) return undefined;
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await Promise.race([redis.ping(), sleep(2000).then(() => Promise.reject(new Error("no answer within 2 s")))]);
      return undefined;
    } catch (e) {
      last = (e as Error).message;
      await sleep(1000 * attempt);
    }
  }
  return `Redis (REDIS_URL) is unreachable: ${last}.`;
}

/** Telegram answers getMe within `attempts` tries, or this says so; a refused token is said at once. */
async function reachTelegram(bot: Bot<QadamContext>, apiRoot: string | undefined, attempts: number): Promise<string | undefined> {
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await bot.init(AbortSignal.timeout(10_000) as unknown as Parameters<typeof bot.init>[0]);
      return undefined;
    } catch (e) {
      if (e instanceof GrammyError) return `Telegram refused BOT_TOKEN (${e.description}).`;
      last = (e as Error).message;
      await sleep(1000 * attempt);
    }
  }
  return `Telegram (${apiRoot ?? "api.telegram.org"}) is unreachable: ${last}.`;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
