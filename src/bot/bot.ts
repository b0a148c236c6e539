/**
 * Builds the bot from its parts. The same function serves Telegram, the local chat and the
 * tests; only the API underneath (real, emulated, recorded) and the storage differ.
 */
import { sequentialize } from "@grammyjs/runner";
import { Bot, type Middleware, type StorageAdapter, session } from "grammy";
import type { LanguageCode, UserFromGetMe } from "grammy/types";
import { hintLanguage, LANGS } from "../i18n/index.js";
import type { Metrics } from "../ops/metrics.js";
import { SESSION_PREFIX } from "../storage/keys.js";
import type { ChatTurns } from "../storage/turns.js";
import { commandMenu } from "./commands.js";
import { FeatureComposer } from "./composer.js";
import { type BotDeps, QadamBaseContext, type QadamContext, type SessionData } from "./context.js";
import { help } from "./features/help.js";
import { interview } from "./features/interview.js";
import { language, languageGate } from "./features/language.js";
import { lawyer } from "./features/lawyer.js";
import { plan } from "./features/plan.js";
import { privacy } from "./features/privacy.js";
import { referral, referralHooks } from "./features/referral.js";
import { safety } from "./features/safety.js";
import { staff } from "./features/staff.js";
import { updateLimit } from "./limit.js";
import { send } from "./send.js";
import { track } from "./span.js";
import { fixedT, tr } from "./text.js";

/**
 * The bot object, before anything is installed: its API is what the referral delivery sends
 * through, so it exists before the dependencies that {@link installBot} needs.
 */
export function newBot(o: { token: string; botInfo?: UserFromGetMe; apiRoot?: string }): Bot<QadamContext> {
  return new Bot<QadamContext>(o.token, {
    ContextConstructor: QadamBaseContext as unknown as new (...args: ConstructorParameters<typeof QadamBaseContext>) => QadamContext,
    ...(o.botInfo ? { botInfo: o.botInfo } : {}),
    ...(o.apiRoot ? { client: { apiRoot: o.apiRoot } } : {}),
  });
}

export interface InstallOptions {
  deps: Omit<BotDeps, "hooks">;
  storage: StorageAdapter<SessionData>;
  /** Maps a private chat id to its storage id (an HMAC, so key names do not reveal who wrote). */
  sessionId: (chatId: number) => string;
  /** Handle updates of one chat one at a time (needed with @grammyjs/runner). */
  sequential?: boolean;
  /** Counts updates, their time and errors for /metrics. */
  metrics?: Metrics;
  /**
   * Several instances on one Redis (webhook mode): each update handled once, and a chat's updates
   * one at a time in order, across processes (see storage/turns.ts).
   */
  turns?: ChatTurns;
}

/** Installs Qadam on a bot: private chats only, sessions, the language gate, then one composer per feature. */
export function installBot(bot: Bot<QadamContext>, o: InstallOptions): Bot<QadamContext> {
  // Features add to the interview through hooks, so no feature imports another.
  const deps: BotDeps = { ...o.deps, hooks: [referralHooks] };
  const metrics = o.metrics;
  // The whole stack runs as one flat list (see composer.ts): grammY's nesting, per update, was most of the garbage.
  const root = new FeatureComposer<QadamContext>();
  bot.use(root);
  if (metrics)
    root.use(async (ctx, next) => {
      const done = metrics.update(Object.keys(ctx.update).find((k) => k !== "update_id") ?? "other");
      try {
        await next();
      } finally {
        done();
      }
    });
  // A person is served in a private chat only: a group would expose them to everyone in it. The
  // only groups Qadam works in are the staff chat and partners' own chats (staff and lawyer buttons).
  root.use((ctx, next) => {
    const chat = ctx.chat;
    if (chat === undefined || chat.type === "private" || deps.desk.isStaffChat(chat.id) || deps.desk.isPartnerChat(chat.id)) return next();
  });
  if (o.turns) root.use(oncePerUpdateInTurn(o.turns, o.sessionId, metrics));
  if (o.sequential) root.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  root.use(answerEveryCallback);

  // Outer boundary: the session could not load or save (Redis down). Nothing was changed, so say
  // so plainly, in the language Telegram suggests, and let the person try again.
  const guarded = root.errorBoundary(async (err) => {
    const ctx = err.ctx;
    deps.logger.error({ update: ctx.update.update_id, err: errorText(err.error) }, "storage unavailable");
    metrics?.error("session");
    if (ctx.chat?.type !== "private") return;
    const t = deps.i18n.getFixedT(hintLanguage(ctx.from?.language_code));
    const unavailable = t("common:errors.unavailable") as string;
    // The session could not be saved after the next question was shown: that question becomes the
    // notice, so the person is not left answering a question that will be refused.
    const shown = (ctx as Partial<QadamContext>).shown;
    if (shown !== undefined) await ctx.api.editMessageText(ctx.chat.id, shown, unavailable, { parse_mode: "HTML" }).catch(() => {});
    else await ctx.api.sendMessage(ctx.chat.id, unavailable, { parse_mode: "HTML" }).catch(() => {});
  });
  guarded.use(
    session<SessionData, QadamContext>({
      initial: () => ({}),
      storage: o.storage,
      prefix: SESSION_PREFIX,
      getSessionKey: (ctx) => (ctx.chat?.type === "private" ? o.sessionId(ctx.chat.id) : undefined),
    }),
  );
  guarded.use((ctx, next) => {
    ctx.deps = deps;
    // In a group (the staff chat) there is no session: each member reads in their Telegram language.
    ctx.lang = (ctx.chat?.type === "private" ? ctx.session.lang : undefined) ?? hintLanguage(ctx.from?.language_code);
    ctx.t = fixedT(deps, ctx.lang);
    ctx.params = {};
    track(ctx, ctx.message?.message_id);
    return next();
  });
  // A chat sending faster than a person can is slowed down, with one message per window in its
  // language. Counted in the session (no Redis command of its own). No limit in the local chat.
  if (Number.isFinite(deps.limits.updatesPer10s))
    guarded.use(
      updateLimit({
        perWindow: deps.limits.updatesPer10s,
        windowMs: 10_000,
        now: () => deps.referrals.now().getTime(),
      }),
    );
  // Inner boundary, inside the session: an error still lets the session save the state the engine
  // computed, so an answer already accepted is not lost because a message failed to send.
  guarded.errorBoundary(
    async (err) => {
      const ctx = err.ctx;
      ctx.deps.logger.error({ update: ctx.update.update_id, err: errorText(err.error) }, "update failed");
      metrics?.error("handler");
      await send(ctx, tr(ctx, "common:errors.internal")).catch(() => {});
    },
    staff,
    lawyer,
    safety,
    language,
    languageGate,
    privacy,
    referral,
    plan,
    interview,
    help,
  );
  bot.catch((err) => {
    metrics?.error("handler");
    deps.logger.error({ update: err.ctx.update.update_id, err: errorText(err.error) }, "update failed");
  });
  return bot;
}

/**
 * Across instances: a repeat of an update already taken (by this instance or another) is dropped;
 * otherwise the update waits for its chat's turn. If it cannot be handled (Redis down, the wait
 * too long), its claim is given back and the error reaches the webhook, which answers 500: Telegram
 * then sends it again, so the answer is not lost.
 */
function oncePerUpdateInTurn(turns: ChatTurns, sessionId: (chatId: number) => string, metrics?: Metrics): Middleware<QadamContext> {
  return async (ctx, next) => {
    const id = ctx.update.update_id;
    if (!(await turns.claim(id))) {
      metrics?.duplicate();
      return;
    }
    try {
      if (ctx.chat === undefined) await next();
      else await turns.inTurn(sessionId(ctx.chat.id), id, () => next());
    } catch (e) {
      await turns.unclaim(id).catch(() => {});
      throw e;
    }
  };
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Telegram shows a spinner until a callback is answered: answer it once, whatever happens. */
const answerEveryCallback: Middleware<QadamContext> = async (ctx, next) => {
  if (!ctx.callbackQuery) return next();
  let answered = false;
  const original = ctx.answerCallbackQuery.bind(ctx);
  ctx.answerCallbackQuery = (...args: Parameters<typeof original>) => {
    answered = true;
    return original(...args);
  };
  try {
    await next();
  } finally {
    if (!answered) await original().catch(() => {});
  }
};

/** The command menu in each language (Telegram takes two-letter codes: uz shows Latin Uzbek). */
export async function registerCommands(bot: Bot<QadamContext>, deps: Pick<BotDeps, "i18n">): Promise<void> {
  for (const lang of [...LANGS, undefined]) {
    if (lang === "uz-Cyrl") continue;
    const t = deps.i18n.getFixedT(lang ?? "en");
    await bot.api.setMyCommands(commandMenu(t), lang ? { language_code: lang.slice(0, 2) as LanguageCode } : {});
  }
}
