/**
 * The dossier: what a referral says, before it is sealed. Versioned and checked with zod on both
 * ends. Answers keep their language-neutral values and, for every recipient's language, the
 * question and answer as the person saw them, so the lawyer reads the case in their language
 * and the values can still be processed. The readable rendering lives here too, shared by the
 * command-line tool and the offline page.
 */
import { z } from "zod";
import { TEXT_MAX } from "../flow/schema.js";
import { OpenError, parseJson } from "./errors.js";

const value = z.union([z.string(), z.number(), z.array(z.string()), z.null()]);

const texts = z.strictObject({
  /** Headings of the readable document, in this language. */
  headings: z.record(z.string(), z.string()),
  questions: z.record(z.string(), z.string()),
  answers: z.record(z.string(), z.string()),
  cards: z.record(z.string(), z.string()),
  contact: z.string(),
  /** v2: the summary a lawyer reads first (country, outcome, charge, dates, flags, contact and how to reply). */
  summary: z.array(z.string()).optional(),
  /** v2: a short label per question, worded for a lawyer (the person's question stays in `questions`). */
  labels: z.record(z.string(), z.string()).optional(),
  /** v2: the person's language by its name, in this language. */
  language: z.string().optional(),
});

export const dossierSchema = z.strictObject({
  format: z.literal("qadam-dossier"),
  /** 1: answers under the person's questions; 2: with a lawyer's summary and labels (both read). */
  v: z.union([z.literal(1), z.literal(2)]),
  code: z.string(),
  created: z.string(),
  /** The consent the person gave: which text version, when. */
  consent: z.strictObject({ version: z.number().int(), at: z.string() }),
  /** The language the person used. */
  language: z.string(),
  /** Flow versions the answers were given under. */
  flows: z.record(z.string(), z.number().int()),
  /** Answers in path order; null = skipped. */
  answers: z.array(z.strictObject({ ref: z.string(), value })),
  /** The ids of the rights cards the person was shown. */
  cards: z.array(z.string()),
  contact: z.strictObject({ how: z.enum(["qadam", "phone", "other", "none"]), detail: z.string().max(TEXT_MAX).optional() }),
  note: z.string().max(TEXT_MAX).optional(),
  /** Everything readable, by language code. */
  texts: z.record(z.string(), texts).refine((t) => Object.keys(t).length > 0, "no language to read it in"),
});
export type Dossier = z.infer<typeof dossierSchema>;

/** Heading keys every language's `headings` must have (the readable document's parts). */
export const HEADINGS = [
  "title",
  "summary",
  "code",
  "created",
  "consent",
  "answers",
  "skipped",
  "cards",
  "contact",
  "note",
  "language",
] as const;

/** An ISO time as a lawyer reads it: 27.11.2026 10:00 UTC (the same in every language here). */
export const localTime = (iso: string): string => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]} ${m[4]}:${m[5]} UTC` : iso;
};

/** Parses decrypted text into a dossier, or says why it is not one. */
export function parseDossier(text: string): Dossier {
  const json = parseJson(text, "dossier_unreadable");
  const r = dossierSchema.safeParse(json);
  if (!r.success) throw new OpenError("dossier_unknown");
  return r.data;
}

/** The readable document as plain lines, in `lang` if the dossier has it, else its first language. */
export function renderDossier(
  d: Dossier,
  lang?: string,
): { lang: string; title: string; sections: { heading: string; lines: string[] }[] } {
  const use = lang && d.texts[lang] ? lang : (Object.keys(d.texts)[0] ?? "");
  const t = d.texts[use] ?? { headings: {}, questions: {}, answers: {}, cards: {}, contact: "" };
  const h = (k: (typeof HEADINGS)[number]) => t.headings[k] ?? k;
  const answers = d.answers.map((a) => {
    const ans = a.value === null ? h("skipped") : (t.answers[a.ref] ?? String(a.value));
    // A lawyer's label on one line (v2); the person's own question otherwise (v1).
    const label = t.labels?.[a.ref];
    return label ? `${label}: ${ans}` : `${t.questions[a.ref] ?? a.ref}\n  → ${ans}`;
  });
  const sections = [
    ...(t.summary?.length ? [{ heading: h("summary"), lines: t.summary }] : []),
    { heading: h("code"), lines: [d.code] },
    { heading: h("created"), lines: [localTime(d.created)] },
    { heading: h("consent"), lines: [`v${d.consent.version}, ${localTime(d.consent.at)}`] },
    { heading: h("language"), lines: [t.language ?? d.language] },
    { heading: h("answers"), lines: answers },
    { heading: h("cards"), lines: d.cards.map((id) => `• ${t.cards[id] ?? id}`) },
    { heading: h("contact"), lines: [t.contact + (d.contact.detail ? `: ${d.contact.detail}` : "")] },
    ...(d.note ? [{ heading: h("note"), lines: [d.note] }] : []),
  ];
  return { lang: use, title: h("title"), sections };
}

export function renderDossierText(d: Dossier, lang?: string): string {
  const doc = renderDossier(d, lang);
  return [doc.title, "=".repeat(doc.title.length), ...doc.sections.map((s) => `\n${s.heading}\n${s.lines.join("\n")}`)].join("\n");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point: they are shown as escapes.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The person's text as it may be shown to a lawyer: control characters (terminal escape sequences)
 * and bidirectional overrides, which could make text read differently than it is, appear as \uXXXX.
 */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
