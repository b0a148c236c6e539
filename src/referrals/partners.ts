/**
 * Partner lawyers and the triage desk: who may receive referrals, for which countries, languages
 * and kinds of case, and how a referral reaches them. Read from a YAML file (PARTNERS_FILE),
 * checked with zod; errors name the file and the entry.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { FlowProblems, type Problem } from "../flow/model.js";
import { slug } from "../flow/schema.js";
import { LANGS } from "../i18n/index.js";
import { SPECIALTIES } from "../rights/specialties.js";
import { publicKey32 } from "./keys.js";

export { SPECIALTIES, type Specialty } from "../rights/specialties.js";

const transport = z.discriminatedUnion("type", [
  /** A Telegram chat (a lawyer's private chat with the bot, or a group): the envelope arrives as a document. */
  z.strictObject({ type: z.literal("telegram"), chat_id: z.number().int() }),
  /** A folder (relative to REFERRALS_DIR): for the local chat, and NGOs that carry files by other means. */
  z.strictObject({
    type: z.literal("folder"),
    path: z
      .string()
      .regex(/^[A-Za-z0-9_./-]+$/)
      .refine((p) => !p.split("/").includes(".."), "must stay inside REFERRALS_DIR"),
  }),
]);
export type Transport = z.infer<typeof transport>;

/** An organisation's name as people read it in each language (the plain `organisation` otherwise). */
const names = z.partialRecord(z.enum(LANGS), z.string().min(2).max(120));

const partner = z.strictObject({
  id: slug,
  organisation: z.string().min(2).max(120),
  names: names.optional(),
  name: z.string().min(2).max(120),
  countries: z.array(z.enum(["kz", "uz"])).min(1),
  languages: z.array(z.enum(LANGS)).min(1),
  specialties: z.array(z.enum(SPECIALTIES)).min(1),
  transport,
  public_key: publicKey32,
  active: z.boolean(),
  /** The Telegram user ids of this partner's lawyers: they may accept, decline and reply to the person. */
  lawyers: z.array(z.number().int().positive()).default([]),
});
export type Partner = z.infer<typeof partner>;

/**
 * The NGO's staff in Telegram. Read at start: a member removed here loses access at the next
 * start (there is no live reload).
 */
const staff = z.strictObject({
  /** The staff chat: a private group, or a supergroup (with `topic_id`, one topic of it). */
  chat_id: z.number().int(),
  topic_id: z.number().int().positive().optional(),
  /** The language of what the bot posts in the staff chat (case cards, reminders). */
  language: z.enum(LANGS).default("en"),
  members: z
    .array(z.strictObject({ telegram_id: z.number().int().positive(), role: z.enum(["triage", "admin"]) }))
    .min(1, "name at least one staff member"),
  /** An open case untouched this long is announced again in the staff chat… */
  remind_after_hours: z.number().positive().default(48),
  /** …and a high-urgency one after this long. */
  remind_high_after_hours: z.number().positive().default(4),
});
export type Staff = z.infer<typeof staff>;

/**
 * Where to turn in danger, per country (kz, uz, and `other` for anyone elsewhere): emergency
 * numbers and the organisations that help. Numbers and contacts are the NGO's to give and check,
 * here, never a translator's: the texts only say "call for help" and Qadam lists these under it.
 */
const phone = z.string().regex(/^\+?[0-9][0-9 ()-]{1,24}$/, "must be a phone number (digits, spaces, + ( ) -)");
const helpContact = z.strictObject({
  organisation: z.string().min(2).max(120),
  names: names.optional(),
  phone: phone.optional(),
  telegram: z
    .string()
    .regex(/^@[A-Za-z0-9_]{5,32}$/, "must be a Telegram username such as @example_help")
    .optional(),
  url: z.url({ protocol: /^https$/ }).optional(),
});
const countryHelp = z.strictObject({
  ambulance: phone.optional(),
  police: phone.optional(),
  emergency: phone.optional(),
  contacts: z.array(helpContact).default([]),
});
export type CountryHelp = z.infer<typeof countryHelp>;

const partnersFile = z.strictObject({
  triage: z.strictObject({
    organisation: z.string().min(2).max(120),
    names: names.optional(),
    languages: z.array(z.enum(LANGS)).min(1),
    transport,
    /** May be left out and given as TRIAGE_PUBLIC_KEY instead. */
    public_key: publicKey32.optional(),
  }),
  partners: z.array(partner),
  /** Optional: without it, the staff side in Telegram is off. */
  staff: staff.optional(),
  /** Optional: without it, the danger screens say only to call the local emergency number. */
  help: z.partialRecord(z.enum(["kz", "uz", "other"]), countryHelp).default({}),
});
export type PartnersFile = z.infer<typeof partnersFile>;

export interface Directory {
  triage: PartnersFile["triage"] & { id: "triage"; public_key: string };
  partners: Partner[];
  staff?: Staff;
  help: PartnersFile["help"];
}

/** An organisation's name in `lang` (its `names`), or as written in `organisation`. */
export function nameIn(org: { organisation: string; names?: Partial<Record<string, string>> | undefined }, lang: string): string {
  return org.names?.[lang] ?? org.organisation;
}

export function loadPartners(path: string, triageKey?: string): Directory {
  const problems: Problem[] = [];
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new FlowProblems([{ file: path, where: "", message: `cannot be read: ${(e as Error).message.split("\n")[0]}` }]);
  }
  const r = partnersFile.safeParse(raw);
  if (!r.success) {
    for (const i of r.error.issues) {
      const p = i.path.map(String);
      const where =
        p[0] === "partners" && p[1] !== undefined
          ? `partners.${p[1]} (${(raw as PartnersFile).partners?.[Number(p[1])]?.id ?? "?"}).${p.slice(2).join(".")}`
          : p.join(".");
      problems.push({ file: path, where, message: i.message });
    }
    throw new FlowProblems(problems);
  }
  const ids = new Set<string>();
  for (const p of r.data.partners) {
    if (ids.has(p.id)) problems.push({ file: path, where: `partners (${p.id})`, message: "this id is used twice" });
    ids.add(p.id);
  }
  const key = triageKey ?? r.data.triage.public_key;
  if (!key)
    problems.push({ file: path, where: "triage.public_key", message: "the triage desk needs a public key: here, or as TRIAGE_PUBLIC_KEY" });
  else if (!publicKey32.safeParse(key).success)
    problems.push({ file: "TRIAGE_PUBLIC_KEY", where: "", message: "must be 43 base64url characters (a 32-byte key)" });
  const seen = new Map<number, string>();
  for (const m of r.data.staff?.members ?? []) {
    if (seen.has(m.telegram_id)) problems.push({ file: path, where: "staff.members", message: `${m.telegram_id} is listed twice` });
    seen.set(m.telegram_id, "staff");
  }
  for (const p of r.data.partners)
    for (const id of p.lawyers) {
      if (seen.get(id) === "staff")
        problems.push({
          file: path,
          where: `partners (${p.id}).lawyers`,
          message: `${id} is also a staff member: give each person one role`,
        });
      else if (seen.has(id))
        problems.push({
          file: path,
          where: `partners (${p.id}).lawyers`,
          message: `${id} is a lawyer of ${seen.get(id)} too: give each lawyer one partner`,
        });
      seen.set(id, p.id);
    }
  if (problems.length || !key) throw new FlowProblems(problems);
  return {
    triage: { ...r.data.triage, id: "triage", public_key: key },
    partners: r.data.partners,
    ...(r.data.staff ? { staff: r.data.staff } : {}),
    help: r.data.help,
  };
}

/**
 * The partners who should receive a referral: active, working in the person's country, taking at
 * least one kind of case the person needs; those who speak the person's language first, then those
 * who cover the most needs. At most `limit`. An empty list means: the triage desk only.
 */
export function matchPartners(
  dir: Directory,
  want: { country: string; language: string; specialties: readonly string[] },
  limit = 2,
): Partner[] {
  return dir.partners
    .filter((p) => p.active && (p.countries as string[]).includes(want.country))
    .map((p) => ({
      p,
      overlap: p.specialties.filter((s) => want.specialties.includes(s)).length,
      speaks: (p.languages as string[]).includes(want.language) ? 1 : 0,
    }))
    .filter((x) => x.overlap > 0)
    .sort((a, b) => b.speaks - a.speaks || b.overlap - a.overlap || a.p.id.localeCompare(b.p.id))
    .slice(0, limit)
    .map((x) => x.p);
}
