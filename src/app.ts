/**
 * Assembles Qadam from its configuration: the content (checked, or no start), the encrypted
 * session store, the referral service and the bot. Used by `npm start` in both modes and by the
 * tests.
 */
import type { Bot } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Redis } from "ioredis";
import { installBot, newBot } from "./bot/bot.js";
import type { BotDeps, BotReferrals, QadamContext, SessionData } from "./bot/context.js";
import { DESK, Desk } from "./bot/desk.js";
import { localDate } from "./bot/text.js";
import type { Config } from "./config.js";
import { loadContent } from "./content/load.js";
import type { Logger } from "./logger.js";
import { Metrics } from "./ops/metrics.js";
import { type DeliveryDeps, DirectDispatcher, type Dispatcher, QueueDispatcher } from "./referrals/delivery.js";
import { signingKeyFromSeed } from "./referrals/keys.js";
import { loadPartners } from "./referrals/partners.js";
import { ThreadSealer } from "./referrals/sealer.js";
import { MemoryReferralStore, RedisReferralStore } from "./referrals/store.js";
import { cryptoReady, parseKeyring } from "./storage/cipher.js";
import { sessionId } from "./storage/keys.js";
import { connectRedis } from "./storage/redis.js";
import { createSessionStore } from "./storage/sessions.js";
import { ChatTurns } from "./storage/turns.js";
import { MemoryAudit, RedisAudit } from "./triage/audit.js";
import { MemoryStats, RedisStats } from "./triage/stats.js";

export interface App {
  bot: Bot<QadamContext>;
  deps: Omit<BotDeps, "hooks">;
  redis?: Redis;
  /** Delivery of referrals: a BullMQ queue with Redis, in process without. */
  dispatcher: Dispatcher;
  /** Whether this process runs a delivery worker (/healthz reports it). */
  hasWorker: boolean;
  /**
   * Starts the delivery worker, when `startWorker: "later"` was asked for: on Telegram, once the
   * bot takes updates, so that loading BullMQ is not on the way to the first getUpdates.
   */
  startWorker(): void;
  /** For /metrics. */
  metrics: Metrics;
  close(): Promise<void>;
}

export async function buildApp(
  config: Config,
  logger: Logger,
  extra: {
    botInfo?: UserFromGetMe;
    sequential?: boolean;
    today?: () => string;
    now?: () => Date;
    /** Run a delivery worker in this process: at once (true), or when `App.startWorker` is called ("later"). */
    startWorker?: boolean | "later";
    retryBaseMs?: number;
    /** Tests: take up a job stalled by a Redis outage sooner than BullMQ's 30 s. */
    lockMs?: number;
    /** Reads a file sent to the bot (tests pass their own; Telegram's file API otherwise). */
    download?: (fileId: string) => Promise<string>;
    /** Several instances on one Redis (webhook mode): each update once, each chat in turn, across processes. */
    shared?: boolean;
  } = {},
): Promise<App> {
  await cryptoReady();
  const { flows, cards, triage, i18n } = loadContent(config.FLOWS_DIR, config.LOCALES_DIR);
  const keyring = parseKeyring(config.SESSION_KEYS);
  const secret = config.SESSION_SECRET;
  // No auto-pipelining: it batched the session reads and writes of busy moments (a little more
  // throughput at 200 chats at once), but its Pipeline objects were the largest share of what
  // outlived young garbage collections in `npm run bench`, and the p99 at 500 updates/s was
  // steadier without it (README, Speed). What is sent in the same turn still leaves in one
  // write, through a corked socket (`coalesceWrites`, in connectRedis).
  const redis = config.REDIS_URL ? connectRedis(config, { maxRetriesPerRequest: 3, lazyConnect: false }) : undefined;
  // While Redis is down ioredis retries without end: say so once a minute, not on every try.
  let quietUntil = 0;
  redis?.on("error", (e: Error) => {
    if (Date.now() < quietUntil) return;
    quietUntil = Date.now() + 60_000;
    logger.warn({ err: e.message }, "redis unreachable; retrying");
  });
  const storage = createSessionStore<SessionData>({
    keyring,
    ttlSeconds: config.SESSION_TTL_DAYS * 86_400,
    ...(redis ? { redis } : {}),
    onUnreadable: (_key, why) => logger.warn({ err: why.message }, "a stored session could not be read; starting it afresh"),
  });
  // The bot object first: the referral delivery sends through its API.
  const bot = newBot({
    token: config.mode === "telegram" ? config.BOT_TOKEN : "0:local-chat",
    ...(extra.botInfo ? { botInfo: extra.botInfo } : {}),
    ...(config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT } : {}),
  });
  // Referrals: partners, the signing key (a throwaway one in the local chat), storage, delivery.
  const directory = loadPartners(config.PARTNERS_FILE, config.TRIAGE_PUBLIC_KEY);
  const referralTtl = config.REFERRAL_TTL_DAYS * 86_400;
  const store = redis ? new RedisReferralStore(redis, referralTtl) : new MemoryReferralStore();
  const deliveryDeps: DeliveryDeps = {
    api: bot.api,
    store,
    directory,
    referralsDir: config.REFERRALS_DIR,
    logger,
    caption: (r, code, country, created) => {
      const t = i18n.getFixedT(r.languages[0] ?? "en");
      return t("referral:caption", {
        code,
        country: t(`referral:country.${country || "other"}`),
        date: localDate(created.slice(0, 10)),
      }) as string;
    },
    failureNotice: (code, partner) =>
      i18n.getFixedT(directory.triage.languages[0] ?? "en")("referral:delivery_failed", { code, partner }) as string,
    uncertainNotice: (code, partner) =>
      i18n.getFixedT(directory.triage.languages[0] ?? "en")("referral:delivery_uncertain", { code, partner }) as string,
    // A partner whose lawyers are known accepts or declines in Telegram, under the file itself.
    buttons: (partner, code) => {
      if (partner.lawyers.length === 0) return [];
      const t = i18n.getFixedT(partner.languages[0] ?? "en");
      return [
        [
          { text: t("staff:lawyer.accept") as string, callback_data: DESK.lawyer("acc", code) },
          { text: t("staff:lawyer.decline") as string, callback_data: DESK.lawyer("dec", code) },
        ],
      ];
    },
  };
  const dispatcherRef: { current?: Dispatcher } = {};
  const metrics = new Metrics({
    processMetrics: config.mode === "telegram",
    queueDepth: () => dispatcherRef.current?.depth() ?? Promise.resolve({}),
  });
  deliveryDeps.metrics = metrics;
  const dispatcher: Dispatcher = redis
    ? new QueueDispatcher(deliveryDeps, redis, {
        keepSeconds: referralTtl,
        ...(extra.retryBaseMs ? { baseDelayMs: extra.retryBaseMs } : {}),
        ...(extra.lockMs ? { lockMs: extra.lockMs } : {}),
      })
    : new DirectDispatcher(deliveryDeps);
  dispatcherRef.current = dispatcher;
  const hasWorker = Boolean(extra.startWorker && dispatcher instanceof QueueDispatcher);
  const startWorker = () => {
    if (hasWorker) (dispatcher as QueueDispatcher).startWorker();
  };
  if (extra.startWorker === true) startWorker();
  const now = extra.now ?? (() => new Date());
  // The worker's module sits beside this one: seal-worker.js in dist/, seal-worker.ts under tsx.
  const sealer =
    (config.SEAL_THREAD ?? (config.mode === "telegram" ? "on" : "off")) === "on"
      ? new ThreadSealer(
          new URL(`./seal-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
          {
            flowsDir: config.FLOWS_DIR,
            localesDir: config.LOCALES_DIR,
            partnersFile: config.PARTNERS_FILE,
            ...(config.TRIAGE_PUBLIC_KEY ? { triagePublicKey: config.TRIAGE_PUBLIC_KEY } : {}),
            signingKey: config.SIGNING_KEY,
          },
          { onError: (e) => logger.error({ err: e.message }, "sealing thread failed") },
        )
      : undefined;
  const referrals: BotReferrals = {
    flows,
    cards,
    triage,
    i18n,
    directory,
    store,
    dispatcher,
    stats: redis ? new RedisStats(redis, referralTtl) : new MemoryStats(),
    signer: signingKeyFromSeed(config.SIGNING_KEY),
    ...(sealer ? { sealer } : {}),
    ownerId: (chatId) => sessionId(secret, chatId),
    retentionDays: config.REFERRAL_TTL_DAYS,
    now,
    download: extra.download ?? ((fileId) => downloadFile(bot.api, config, fileId)),
  };
  const desk = new Desk({
    api: bot.api,
    i18n,
    store,
    directory,
    audit: redis ? new RedisAudit(redis, referralTtl) : new MemoryAudit(),
    keyring,
    logger,
    now,
  });
  const deps: Omit<BotDeps, "hooks"> = {
    flows,
    cards,
    i18n,
    logger,
    retentionDays: config.SESSION_TTL_DAYS,
    today: extra.today ?? (() => new Date().toISOString().slice(0, 10)),
    referrals,
    desk,
    limits: {
      perDay: config.REFERRALS_PER_DAY,
      perHour: config.REFERRALS_PER_HOUR,
      updatesPer10s: config.UPDATES_PER_10S ?? (config.mode === "telegram" ? 20 : Number.POSITIVE_INFINITY),
    },
    ...(config.VERIFY_PHRASE ? { verifyPhrase: config.VERIFY_PHRASE } : {}),
    neutral: config.PERSONA === "neutral",
  };
  installBot(bot, {
    deps,
    storage,
    sessionId: (chatId) => sessionId(secret, chatId),
    ...(extra.sequential ? { sequential: true } : {}),
    metrics,
    ...(redis && extra.shared ? { turns: new ChatTurns(redis) } : {}),
  });
  return {
    bot,
    deps,
    dispatcher,
    hasWorker,
    startWorker,
    metrics,
    ...(redis ? { redis } : {}),
    close: async () => {
      await dispatcher.close();
      await sealer?.close();
      if (!redis) return;
      if (redis.status === "ready") await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

/** A file sent to the bot, as text, through Telegram's file API (or the Bot API server in TELEGRAM_API_ROOT). */
async function downloadFile(api: Bot<QadamContext>["api"], config: Config, fileId: string): Promise<string> {
  const file = await api.getFile(fileId);
  if (!file.file_path) throw new Error("Telegram gave no path for the file");
  const root = config.TELEGRAM_API_ROOT ?? "https://api.telegram.org";
  const token = config.mode === "telegram" ? config.BOT_TOKEN : "0:local-chat";
  const res = await fetch(`${root}/file/bot${token}/${file.file_path}`);
  if (!res.ok) throw new Error(`the file could not be read (${res.status})`);
  return res.text();
}
