/**
 * The shape of a flow file (`flows/<id>.yaml`), checked with zod when flows are loaded.
 *
 * A flow holds logic only: node ids, option ids, branching. Every human text is an i18n key,
 * derived by convention (`<flow>:<node>.text`, `<flow>:<node>.help`, `<flow>:<node>.options.<option>`)
 * or named explicitly, so a translator can never change what the bot does, and a flow editor never
 * has to touch wording.
 */
import { z } from "zod";

/** The longest free-text answer a flow may allow. */
export const TEXT_MAX = 1000;

/** Node, option and flow ids: short, ASCII, language-neutral; they end up in callback data. */
export const slug = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,23}$/, "must be a short id: a-z, 0-9 and _, starting with a letter, at most 24 characters");

/** A jump target: `node` inside the same flow, or `flow/node` into another flow. */
export const target = z
  .string()
  .regex(/^([a-z][a-z0-9_]{0,23}\/)?[a-z][a-z0-9_]{0,23}$/, "must be a node id, or flow/node for a node in another flow");

/** An explicit i18n key, always with its namespace: `common:yes`. */
export const i18nKey = z.string().regex(/^[a-z][a-zA-Z0-9_-]*:[a-zA-Z0-9_.-]+$/, "must be an i18n key with its namespace, e.g. common:yes");

/**
 * The condition language used in `next` rules. It is data, not code: there is no eval, and the
 * loader checks that each condition names a real question and real option ids.
 */
export type Condition =
  | { answer: string; is: string }
  | { answer: string; in: string[] }
  | { answer: string; includes: string }
  | { answer: string; skipped: boolean }
  | { answer: string; answered: boolean }
  | { answer: string; gte?: number; lte?: number }
  /** A date answer whose period (a day, a month or a year, as given) overlaps these dates. */
  | { answer: string; during: { from: string; to: string } }
  /** A free-text answer that contains one of these words (any case): what a person mentions. */
  | { answer: string; mentions: string[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export const condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ answer: target, is: slug }),
    z.strictObject({ answer: target, in: z.array(slug).min(1) }),
    z.strictObject({ answer: target, includes: slug }),
    z.strictObject({ answer: target, skipped: z.boolean() }),
    z.strictObject({ answer: target, answered: z.boolean() }),
    z
      .strictObject({ answer: target, gte: z.number().optional(), lte: z.number().optional() })
      .refine((c) => c.gte !== undefined || c.lte !== undefined, "a comparison needs gte or lte"),
    z.strictObject({
      answer: target,
      during: z.strictObject({ from: z.iso.date(), to: z.iso.date() }).refine((d) => d.from <= d.to, "'from' must not be after 'to'"),
    }),
    z.strictObject({ answer: target, mentions: z.array(z.string().min(2)).min(1) }),
    z.strictObject({ all: z.array(condition).min(1) }),
    z.strictObject({ any: z.array(condition).min(1) }),
    z.strictObject({ not: condition }),
  ]),
);

export const rule = z.strictObject({ if: condition.optional(), goto: target });
export type Rule = z.infer<typeof rule>;

/** `next` is a single target, or rules tried in order; the last rule has no `if`, so there is always a way on. */
export const next = z.union([
  target,
  z
    .array(rule)
    .min(1)
    .refine((rules) => rules[rules.length - 1]?.if === undefined, "the last rule must have no 'if', so that there is always a way on"),
]);
export type Next = z.infer<typeof next>;

/**
 * A help text that depends on the answers: the first variant whose `if` holds is shown, as
 * `<node>.<text>`; if none holds, no help is shown. So a hint about one country's law is never
 * shown in another country's case.
 */
export const helpVariant = z.strictObject({ text: slug, if: condition.optional() });

/**
 * Roles: what the code relies on a node for. The code looks nodes up by role, never by id, so a
 * node can be renamed in YAML without silently breaking, say, matching with partner lawyers; the
 * loader checks that every role the code needs exists exactly once.
 * - country: which country's law applies (cards, partner matching, the envelope header);
 * - note: the free note (goes into the dossier's own field, never stays after sending);
 * - contact, contact_detail: how the lawyer may reach the person (likewise);
 * - keep: whether the person keeps their answers after sending;
 * - areas: the areas of need the person chose (the staff's case card lists them).
 */
export const NODE_ROLES = [
  "country",
  "outcome",
  "charge",
  "released_on",
  "areas",
  "ill_treated",
  "note",
  "contact",
  "contact_detail",
  "keep",
] as const;
export type NodeRole = (typeof NODE_ROLES)[number];
/** referral: the flow of the referral screens (consent, contact, review), kept out of the dossier's answers. */
export const FLOW_ROLES = ["referral"] as const;
export type FlowRole = (typeof FLOW_ROLES)[number];
/** Something the bot does when a person arrives at an end node (outside the pure engine). */
export const NODE_ACTIONS = ["send_referral"] as const;
export type NodeAction = (typeof NODE_ACTIONS)[number];

const common = {
  /** What the code relies on this node for; see NODE_ROLES. */
  role: z.enum(NODE_ROLES).optional(),
  /**
   * The answer is too revealing to stay on a searched phone (a phone number, a free note, a date):
   * it is never echoed back, and the person's typed message is erased once it is taken.
   */
  sensitive: z.boolean().optional(),
  /** Overrides the conventional text key. */
  text: i18nKey.optional(),
  /** The node has a help text (`<node>.help`), shown under the question; or variants by condition. */
  help: z.union([z.boolean(), z.array(helpVariant).min(1)]).optional(),
  /** A question without a "Skip" button. Use sparingly: every question should be skippable. */
  required: z.boolean().optional(),
  /**
   * The text speaks about the person concerned, so it needs a variant for each context that an
   * option declares (e.g. `<node>.text_family` when a relative answers for the person).
   */
  about_person: z.boolean().optional(),
};

const option = z.strictObject({
  id: slug,
  label: i18nKey.optional(),
  next: target.optional(),
  /** Choosing this option addresses later person-related questions in this i18next context. */
  context: slug.optional(),
});

const multiOption = z.strictObject({
  id: slug,
  label: i18nKey.optional(),
  /** "None of these"-style option: choosing it clears the others, and the others clear it. */
  exclusive: z.boolean().optional(),
});

export const node = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("info"),
    ...common,
    /**
     * A danger screen: its text's `{{help}}` is where Qadam lists the emergency numbers and the
     * organisations that help in the person's country, from the partners file (never from a text).
     */
    danger: z.boolean().optional(),
    next,
  }),
  z.strictObject({
    type: z.literal("choice"),
    ...common,
    options: z.array(option).min(2).max(12),
    next: next.optional(),
    /** Show the needs summary and the rights cards that apply before the question. */
    result: z.boolean().optional(),
    /** Show every answer so far, each with a "change" button, before the question. */
    review: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal("multi"),
    ...common,
    options: z.array(multiOption).min(2).max(12),
    /** List this answer in the result's needs summary, under the key `<node>.summary`. */
    summary: z.boolean().optional(),
    next,
  }),
  // A free-text answer is at most TEXT_MAX characters: it must fit, shown back with its question,
  // in one Telegram message, and in a referral (the dossier allows the same length).
  z.strictObject({ type: z.literal("text"), ...common, max_length: z.number().int().min(1).max(TEXT_MAX).default(500), next }),
  z.strictObject({
    type: z.literal("number"),
    ...common,
    min: z.number().int().default(0),
    max: z.number().int().default(1_000_000),
    next,
  }),
  z.strictObject({ type: z.literal("date"), ...common, allow_future: z.boolean().default(false), next }),
  z.strictObject({
    type: z.literal("end"),
    text: i18nKey.optional(),
    about_person: z.boolean().optional(),
    /** Show the needs summary and the rights cards that apply (flows/rights.yaml). */
    result: z.boolean().optional(),
    /** No way back from here (e.g. after a referral was sent): no Back button, /back does nothing. */
    final: z.boolean().optional(),
    /** Something the bot does when a person arrives here (outside the pure engine). */
    action: z.enum(NODE_ACTIONS).optional(),
  }),
  /** Branches only: never shown, never answered; the engine passes straight through it. */
  z.strictObject({ type: z.literal("route"), next }),
]);
export type NodeDef = z.infer<typeof node>;
export type NodeType = NodeDef["type"];

export const flowFile = z.strictObject({
  id: slug,
  version: z.number().int().min(1),
  /** The flow every interview starts with. Exactly one flow has it. */
  entry: z.boolean().optional(),
  /** What the code relies on this flow for; see FLOW_ROLES. */
  role: z.enum(FLOW_ROLES).optional(),
  start: slug,
  nodes: z.record(slug, node).refine((nodes) => Object.keys(nodes).length > 0, "a flow needs at least one node"),
});
export type FlowFile = z.infer<typeof flowFile>;
