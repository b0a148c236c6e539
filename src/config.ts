/**
 * Configuration from the environment, checked with zod at start-up. Without BOT_TOKEN, Qadam runs
 * the local chat in the terminal; with it, the bot on Telegram. Whatever is persisted (Telegram
 * mode, or any Redis) needs real keys: a missing key is a start-up error, never a silent
 * throwaway that would make saved answers unreadable after a restart.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { z } from "zod";

/** The example partners file: fine for the local chat, refused on Telegram (its keys are public). */
const EXAMPLE_PARTNERS = "examples/partners.yaml";

const b64url32 = (tool: string) =>
  z.string().regex(/^[A-Za-z0-9_-]{43}$/, `must be 32 bytes in base64url (43 characters); generate with: npm run ${tool}`);

const schema = z
  .object({
    BOT_TOKEN: z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]{30,}$/, "does not look like a Telegram bot token")
      .optional(),
    TELEGRAM_API_ROOT: z.url().optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
    SESSION_KEYS: z.string().optional(),
    SESSION_SECRET: b64url32("keys:session").optional(),
    SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
    FLOWS_DIR: z.string().default("flows"),
    LOCALES_DIR: z.string().default("locales"),
    /** Partner lawyers and the triage desk (see examples/partners.yaml). */
    PARTNERS_FILE: z.string().default(EXAMPLE_PARTNERS),
    /** The triage desk's X25519 public key; overrides the partners file's. */
    TRIAGE_PUBLIC_KEY: z.string().optional(),
    /** The bot's Ed25519 signing seed (32 bytes, base64url): lawyers check referrals against its verify key. */
    SIGNING_KEY: b64url32("keys:signing").optional(),
    /** Where folder transports write envelopes. */
    REFERRALS_DIR: z.string().default("referrals-out"),
    /** Days an envelope (ciphertext only) and its status are kept, for delivery retries, grants and /status. */
    REFERRAL_TTL_DAYS: z.coerce.number().int().min(1).max(730).default(90),
    /** Referrals one account may send in a day. */
    REFERRALS_PER_DAY: z.coerce.number().int().min(1).max(100).default(3),
    /** Referrals the whole bot takes in an hour; past it new ones wait, and the triage desk is told. */
    REFERRALS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(30),
    /** Updates one chat may send in 10 seconds before Qadam asks it to slow down (default 20 on Telegram; no limit in the local chat). */
    UPDATES_PER_10S: z.coerce.number().int().min(1).max(1000).optional(),
    /**
     * `on`: referrals are built and sealed on a worker thread, beside the bot's own, so a "Send"
     * does not hold up other people's updates (default on Telegram); `off`: on the bot's thread
     * (default in the local chat).
     */
    SEAL_THREAD: z.enum(["on", "off"]).optional(),
    /**
     * `neutral`: the first screen does not say who Qadam is for (no political case, no prison), for
     * people whose phone may be searched; with BOT_NAME, the bot's name in Telegram is set too.
     */
    PERSONA: z.enum(["named", "neutral"]).default("named"),
    /** The bot's name as Telegram shows it (set at start with setMyName), e.g. a neutral one. */
    BOT_NAME: z.string().min(1).max(64).optional(),
    /** How many times, a little longer apart each time, Telegram and Redis are tried at start before Qadam gives up. */
    START_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
    /** The phrase the NGO publishes, printed by /verify, so people can tell the real bot from look-alikes. */
    VERIFY_PHRASE: z.string().min(4).max(200).optional(),
    /**
     * Webhook mode: the public HTTPS address Telegram posts updates to (behind your proxy). Without
     * it, Qadam long-polls. Several instances may share one Redis only in webhook mode.
     */
    WEBHOOK_URL: z.url().optional(),
    /** The secret Telegram sends with every update (X-Telegram-Bot-Api-Secret-Token); required with WEBHOOK_URL. */
    WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16 to 256 letters, digits, _ or - (e.g. openssl rand -hex 32)")
      .optional(),
    /** Where the webhook server listens (the proxy forwards WEBHOOK_URL here). */
    WEBHOOK_HOST: z.string().default("0.0.0.0"),
    WEBHOOK_PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
    /**
     * /healthz and /metrics (Prometheus). On Telegram they are served on 9464 unless set; in the
     * local chat only when set. 0 turns them off. Keep the port private: it is for the operator.
     */
    OPS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    OPS_HOST: z.string().default("127.0.0.1"),
    /** Redis behind Sentinel: `host:port,host:port`; REDIS_URL then gives the password and database only. */
    REDIS_SENTINELS: z
      .string()
      .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, "must be host:port, comma-separated")
      .optional(),
    /** The Sentinel master group's name (required with REDIS_SENTINELS). */
    REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.WEBHOOK_URL && !c.WEBHOOK_SECRET)
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_SECRET"],
        message: "is required when WEBHOOK_URL is set: without it anyone who finds the address can post updates",
      });
    if (c.WEBHOOK_URL && !c.WEBHOOK_URL.startsWith("https://"))
      ctx.addIssue({ code: "custom", path: ["WEBHOOK_URL"], message: "must start with https:// (Telegram posts only over HTTPS)" });
    if (c.REDIS_SENTINELS && !c.REDIS_SENTINEL_NAME)
      ctx.addIssue({ code: "custom", path: ["REDIS_SENTINEL_NAME"], message: "is required when REDIS_SENTINELS is set" });
    const persistent = c.BOT_TOKEN !== undefined || c.REDIS_URL !== undefined;
    if (!persistent) return;
    const why = c.BOT_TOKEN ? "BOT_TOKEN is set" : "REDIS_URL is set";
    if (!c.SESSION_KEYS)
      ctx.addIssue({ code: "custom", path: ["SESSION_KEYS"], message: `is required when ${why}: answers are stored encrypted with it` });
    if (!c.SESSION_SECRET)
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message: `is required when ${why}: it hides chat ids in storage key names`,
      });
    if (c.BOT_TOKEN && !c.SIGNING_KEY)
      ctx.addIssue({
        code: "custom",
        path: ["SIGNING_KEY"],
        message: "is required when BOT_TOKEN is set: lawyers check referrals against its verify key (npm run keys:signing)",
      });
    if (c.BOT_TOKEN && resolve(c.PARTNERS_FILE) === resolve(EXAMPLE_PARTNERS))
      ctx.addIssue({
        code: "custom",
        path: ["PARTNERS_FILE"],
        message: "is the example file, whose secret keys are public: set it to your own partners file",
      });
    if (c.BOT_TOKEN && !c.REDIS_URL)
      ctx.addIssue({
        code: "custom",
        path: ["REDIS_URL"],
        message: "is required when BOT_TOKEN is set: without Redis every answer, and every referral's status, is lost at the next restart",
      });
    if (c.BOT_TOKEN && !c.TRIAGE_PUBLIC_KEY)
      ctx.addIssue({
        code: "custom",
        path: ["TRIAGE_PUBLIC_KEY"],
        message: "is required when BOT_TOKEN is set: every referral is sealed to the triage desk",
      });
  });

type Parsed = z.infer<typeof schema>;
type Common = Omit<Parsed, "BOT_TOKEN" | "REDIS_URL" | "SESSION_KEYS" | "SESSION_SECRET" | "SIGNING_KEY" | "TRIAGE_PUBLIC_KEY"> & {
  /** Session encryption keys (`id:key`, comma-separated): given, or a throwaway one in the local chat without Redis. */
  SESSION_KEYS: string;
  /** Hides chat ids in storage key names: given, or a throwaway one likewise. */
  SESSION_SECRET: string;
  /** The bot's signing seed: given, or a throwaway one in the local chat. */
  SIGNING_KEY: string;
  TRIAGE_PUBLIC_KEY?: string;
};

/** The local chat in the terminal: no Telegram; Redis only if REDIS_URL is set. */
export type LocalConfig = Common & { mode: "local"; REDIS_URL?: string };
/** The bot on Telegram: Redis, real keys and the triage key are required (checked above). */
export type TelegramConfig = Common & { mode: "telegram"; BOT_TOKEN: string; REDIS_URL: string; TRIAGE_PUBLIC_KEY: string };
export type Config = LocalConfig | TelegramConfig;

/** Throwaway keys for a local chat that keeps nothing beyond the process. */
export interface Throwaway {
  sessionKeys: () => string;
  secret: () => string;
  signingSeed: () => string;
}

const random32 = () => randomBytes(32).toString("base64url");
const THROWAWAY: Throwaway = { sessionKeys: () => `local:${random32()}`, secret: random32, signingSeed: random32 };

/**
 * Reads the environment; throws one readable error that lists every bad setting. In the local
 * chat without Redis nothing outlives the process, so missing keys are made up here, once,
 * rather than with fallbacks wherever a key is used.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, throwaway: Throwaway = THROWAWAY): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Qadam cannot start; fix these settings:\n${lines.join("\n")}`);
  }
  const { BOT_TOKEN, REDIS_URL, SESSION_KEYS, SESSION_SECRET, SIGNING_KEY, TRIAGE_PUBLIC_KEY, ...rest } = result.data;
  const keys = {
    SESSION_KEYS: SESSION_KEYS ?? throwaway.sessionKeys(),
    SESSION_SECRET: SESSION_SECRET ?? throwaway.secret(),
    SIGNING_KEY: SIGNING_KEY ?? throwaway.signingSeed(),
  };
  if (BOT_TOKEN && REDIS_URL && TRIAGE_PUBLIC_KEY) return { ...rest, ...keys, mode: "telegram", BOT_TOKEN, REDIS_URL, TRIAGE_PUBLIC_KEY };
  return { ...rest, ...keys, mode: "local", ...(REDIS_URL ? { REDIS_URL } : {}), ...(TRIAGE_PUBLIC_KEY ? { TRIAGE_PUBLIC_KEY } : {}) };
}

/** Every setting's name, for the checks that `.env.example` and the README list them all. */
export const SETTINGS: readonly string[] = Object.keys(schema.shape);
