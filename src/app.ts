/**
 * Assembles Qadam from its configuration: flows and locales (checked, or no start), the
 * encrypted session store, and the bot. Used by `npm start` in both modes and by the tests.
 */
import { Redis } from "ioredis";
import type { Bot } from "grammy";
import type { BotDeps, QadamContext, SessionData } from "./bot/context.js";
import { createBot } from "./bot/bot.js";
import type { Config } from "./config.js";
import { loadFlowsFromDir } from "./flow/load.js";
import { localeProblems } from "./flow/locale-check.js";
import { FlowProblems, type FlowSet } from "./flow/model.js";
import { createI18n, readLocales } from "./i18n/index.js";
import type { Logger } from "./logger.js";
import { cryptoReady, newKeyEntry, newSecret, parseKeyring } from "./storage/cipher.js";
import { sessionId } from "./storage/keys.js";
import { createSessionStore } from "./storage/sessions.js";
import { type DeliveryDeps, DirectDispatcher, type Dispatcher, QueueDispatcher } from "./referrals/delivery.js";
import { newSigningSeed, signingKeyFromSeed } from "./referrals/keys.js";
import { loadPartners } from "./referrals/partners.js";
import { MemoryReferralStore, RedisReferralStore } from "./referrals/store.js";
import type { UserFromGetMe } from "grammy/types";
import { fileURLToPath } from "node:url";

export interface App {
  bot: Bot<QadamContext>;
  deps: BotDeps;
  redis?: Redis;
  /** Delivery of referrals: a BullMQ queue with Redis, in process without. */
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** The source folder, for the unused-key check (only when running from source). */
export const SRC_DIR = fileURLToPath(new URL(".", import.meta.url));

/**
 * Loads and checks flows and locales together: a broken flow or a missing text stops the start.
 * `checkUnused` also fails on keys nothing uses (flows:check and the tests set it).
 */
export function loadContent(
  flowsDir: string,
  localesDir: string,
  checkUnused = false,
): { flows: FlowSet; i18n: ReturnType<typeof createI18n> } {
  const flows = loadFlowsFromDir(flowsDir);
  const data = readLocales(localesDir);
  const problems = localeProblems(flows, data, { localesDir, ...(checkUnused ? { srcDir: SRC_DIR } : {}) });
  if (problems.length) throw new FlowProblems(problems);
  return { flows, i18n: createI18n(data) };
}

export async function buildApp(
  config: Config,
  logger: Logger,
  extra: { botInfo?: UserFromGetMe; sequential?: boolean; today?: () => string; now?: () => Date; startWorker?: boolean; retryBaseMs?: number } = {},
): Promise<App> {
  await cryptoReady();
  const { flows, i18n } = loadContent(config.FLOWS_DIR, config.LOCALES_DIR);
  // The local chat without Redis keeps nothing beyond the process, so a throwaway key is honest.
  const keyring = parseKeyring(config.SESSION_KEYS ?? newKeyEntry("local"));
  const secret = config.SESSION_SECRET ?? newSecret();
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false }) : undefined;
  redis?.on("error", (e: Error) => logger.warn({ err: e.message }, "redis"));
  const storage = createSessionStore<SessionData>({
    keyring,
    ttlSeconds: config.SESSION_TTL_DAYS * 86_400,
    ...(redis ? { redis } : {}),
    onUnreadable: (_key, why) => logger.warn({ err: why.message }, "a stored session could not be read; starting it afresh"),
  });
  const deps: BotDeps = {
    flows,
    i18n,
    logger,
    retentionDays: config.SESSION_TTL_DAYS,
    today: extra.today ?? (() => new Date().toISOString().slice(0, 10)),
  };
  const bot = createBot({
    token: config.BOT_TOKEN ?? "0:local-chat",
    deps,
    storage,
    sessionId: (chatId) => sessionId(secret, chatId),
    ...(extra.botInfo ? { botInfo: extra.botInfo } : {}),
    ...(config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT } : {}),
    ...(extra.sequential ? { sequential: true } : {}),
  });
  // Referrals: partners, the signing key (a throwaway one in the local chat), storage, delivery.
  const directory = loadPartners(config.PARTNERS_FILE, config.TRIAGE_PUBLIC_KEY);
  const signer = signingKeyFromSeed(config.SIGNING_KEY ?? newSigningSeed());
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
      return t("referral:caption", { code, country: t(`referral:country.${country || "other"}`), date: created.slice(0, 10).split("-").reverse().join(".") }) as string;
    },
    failureNotice: (code, partner) => i18n.getFixedT(directory.triage.languages[0] ?? "en")("referral:delivery_failed", { code, partner }) as string,
  };
  const dispatcher: Dispatcher = redis
    ? new QueueDispatcher(deliveryDeps, redis, { keepSeconds: referralTtl, ...(extra.retryBaseMs ? { baseDelayMs: extra.retryBaseMs } : {}) })
    : new DirectDispatcher(deliveryDeps);
  if (extra.startWorker && dispatcher instanceof QueueDispatcher) dispatcher.startWorker();
  deps.referrals = {
    flows,
    i18n,
    directory,
    store,
    dispatcher,
    signer,
    ownerId: (chatId) => sessionId(secret, chatId),
    retentionDays: config.REFERRAL_TTL_DAYS,
    now: extra.now ?? (() => new Date()),
  };
  return {
    bot,
    deps,
    dispatcher,
    ...(redis ? { redis } : {}),
    close: async () => {
      await dispatcher.close();
      if (!redis) return;
      if (redis.status === "ready") await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
