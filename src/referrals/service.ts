/**
 * Making a referral: who receives it, the dossier, sealing, storing and dispatching. Apart from
 * the clock and the random code (passed in), the functions that decide and build are pure; only
 * `sendReferral` touches the store and the dispatcher.
 */
import type { i18n, TFunction } from "i18next";
import type { Answer } from "../flow/answers.js";
import type { InterviewState } from "../flow/engine.js";
import { type FlowSet, flowOf, isQuestion, isResult, nodeAt, refOf } from "../flow/model.js";
import { walk } from "../flow/path.js";
import { answerMsg, questionMsg } from "../flow/view.js";
import { fixedT, type Msg, perLanguage, retentionText, translate } from "../i18n/translate.js";
import { applicableCards, neededSpecialties } from "../rights/evaluate.js";
import type { CardSet } from "../rights/model.js";
import { parseTelegramHtml } from "../telegram/html.js";
import { triageOf, type UrgencyRule } from "../triage/rules.js";
import type { StatsStore } from "../triage/stats.js";
import type { Dispatcher } from "./delivery.js";
import { type Dossier, HEADINGS } from "./dossier.js";
import { parseEnvelope, seal } from "./envelope.js";
import { fromB64 } from "./keys.js";
import { nativeBulk } from "./native.js";
import { type Directory, matchPartners, type Partner } from "./partners.js";
import type { ReferralRecord, ReferralStore } from "./store.js";

/*
 * The nodes this module relies on are found by their role in the flow data (`role: country`,
 * `note`, `contact`, `contact_detail`, `keep`, and the flow with `role: referral`), never by id:
 * the contact details and the note go into the dossier's own fields rather than the list, and
 * never stay on the server; `keep` says whether the other answers do.
 */

export interface Recipients {
  triage: Directory["triage"];
  partners: Partner[];
}

const answerValue = (a: Answer | undefined) => (a?.kind === "value" ? a.value : undefined);

/** Who will read this person's referral: the triage desk always, and the matched partners. */
export function recipientsFor(
  flows: FlowSet,
  cards: CardSet,
  dir: Directory,
  answers: Readonly<Record<string, Answer>>,
  language: string,
): Recipients {
  const country = answerValue(answers[refOf(flows, "country")]);
  const partners =
    typeof country === "string" ? matchPartners(dir, { country, language, specialties: neededSpecialties(cards, answers) }) : [];
  return { triage: dir.triage, partners };
}

/** Plain text from translated HTML (the dossier is read outside Telegram). */
const plain = (html: string) => {
  const p = parseTelegramHtml(html);
  return "text" in p ? p.text : html.replace(/<[^>]+>/g, "");
};
/**
 * A message as plain text. The same text without parameters reads the same in every dossier, so
 * its plain form is kept per language (bounded); a text with the person's words or this referral's
 * code in it is never kept.
 */
function plainOf(t: TFunction, m: Msg, globals: Record<string, string>, code: string): string {
  const html = translate(t, m, undefined, globals);
  if (m.params || html.includes(code)) return plain(html);
  return plainTexts(t, html, plainOfHtml);
}
const plainTexts = perLanguage<string>(5_000);
const plainOfHtml = (_t: TFunction, html: string) => plain(html);

/**
 * A text without parameters (a heading, a lawyer's label, a flag's name): i18next's answer is the
 * same on every call, so it is asked once per language and key (bounded), not on every dossier.
 * `orEmpty`: a key that is not there gives "" (i18next's `defaultValue: ""`).
 */
function said(t: TFunction, key: string, orEmpty = false): string {
  return saidTexts(t, orEmpty ? `${key}\u0000` : key, saidOf);
}
const saidTexts = perLanguage<string>(5_000);
/** A key ending in NUL asks for "" when the key is missing (see `said`). */
const saidOf = (t: TFunction, k: string) => (k.endsWith("\u0000") ? t(k.slice(0, -1), { defaultValue: "" }) : t(k)) as string;

/** The first line that is not blank, trimmed (without splitting the whole text into lines). */
function firstLine(text: string): string {
  for (let start = 0; start <= text.length; ) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end).trim();
    if (line) return line;
    start = end + 1;
  }
  return "";
}

/** The dossier for this interview, with every recipient language's texts. */
export function buildDossier(
  flows: FlowSet,
  cardSet: CardSet,
  i18n: i18n,
  state: InterviewState,
  meta: {
    code: string;
    created: string;
    language: string;
    languages: string[];
    retention: (lang: string) => string;
    /** The staff's urgency rules: those that hold are the lawyer's flags too. */
    urgency?: readonly UrgencyRule[];
  },
): Dossier {
  const path = walk(flows, state.answers).path;
  // The interview's answers; the referral screens (consent, contact, review) and the result's
  // question go into their own fields or nowhere.
  const referralFlow = flowOf(flows, "referral");
  const noteRef = refOf(flows, "note");
  const answered = path.filter((ref) => {
    const n = nodeAt(flows, ref);
    return isQuestion(n) && n.flow !== referralFlow.id && ref !== noteRef && !isResult(n) && !(n.type === "choice" && n.review);
  });
  const cards = applicableCards(cardSet, state.answers);
  const contactHow = answerValue(state.answers[refOf(flows, "contact")]);
  const contact = { how: (typeof contactHow === "string" ? contactHow : "none") as Dossier["contact"]["how"] };
  const detail = answerValue(state.answers[refOf(flows, "contact_detail")]);
  const note = answerValue(state.answers[noteRef]);
  // What a lawyer reads first: the facts that decide which remedies are open, then the flags.
  const facts = (["country", "outcome", "charge", "released_on"] as const)
    .map((role) => refOf(flows, role))
    .filter((ref) => state.answers[ref]?.kind === "value" && answered.includes(ref));
  const flags = triageOf(flows, meta.urgency ?? [], state.answers).reasons;
  // A running deadline is flagged once: by the staff's rule that names it, or else from the cards.
  const named = new Set((meta.urgency ?? []).filter((r) => r.deadline).map((r) => r.id));
  const deadline = cards.some((c) => c.deadline) && !flags.some((id) => named.has(id));
  // What each line says is the same in every language: worked out once, then translated per language.
  const questionMsgs = answered.map((ref) => questionMsg(flows, nodeAt(flows, ref), state.answers));
  const answerMsgs = answered.map((ref) => {
    const a = state.answers[ref];
    return a ? answerMsg(nodeAt(flows, ref), a) : undefined;
  });
  const texts: Dossier["texts"] = {};
  for (const lang of meta.languages) {
    const t = fixedT(i18n, lang);
    // The retention text (an i18next plural) only if a text here asks for it.
    let retention: string | undefined;
    const g = {
      get retention() {
        retention ??= meta.retention(lang);
        return retention;
      },
      recipients: "",
      referral_retention: "",
      code: meta.code,
    };
    const tx = (m: Msg) => plainOf(t, m, g, meta.code);
    // Each question and answer translated once (the summary and the labels use them again).
    const questions = questionMsgs.map((m) => firstLine(tx(m)));
    const answers = answerMsgs.map((a) => (a ? tx(a) : ""));
    const question = (i: number) => questions[i] ?? "";
    const answer = (i: number) => answers[i] ?? "";
    // A short label per question for a lawyer: `<flow>:<node>.lawyer` beside the node's texts.
    const label = (ref: string) => said(t, `${ref.replace("/", ":")}.lawyer`, true) || question(answered.indexOf(ref));
    const contactText = contact.how === "none" ? said(t, "referral:doc.skipped") : tx({ key: `referral:contact.options.${contact.how}` });
    const summary = [
      ...facts.map((ref) => `${label(ref)}: ${answer(answered.indexOf(ref))}`),
      ...(flags.length || deadline
        ? [
            `${said(t, "referral:doc.flags")}: ${[...flags.map((id) => said(t, `staff:urgency.${id}`)), ...(deadline ? [said(t, "referral:doc.deadline")] : [])].join("; ")}`,
          ]
        : []),
      `${said(t, "referral:doc.contact")}: ${contactText}`,
      // "Only through Qadam": the lawyer is told how to answer, since there is no number to call.
      ...(contact.how === "qadam" ? [said(t, "referral:doc.reply_qadam")] : []),
    ];
    texts[lang] = {
      headings: Object.fromEntries(HEADINGS.map((h) => [h, said(t, `referral:doc.${h}`)])),
      questions: Object.fromEntries(answered.map((ref, i) => [ref, question(i)])),
      answers: Object.fromEntries(answered.map((ref, i) => [ref, answer(i)])),
      cards: Object.fromEntries(cards.map((c) => [c.id, tx(c.title)])),
      contact: contactText,
      summary,
      labels: Object.fromEntries(answered.map((ref) => [ref, label(ref)])),
      language: said(t, `common:language.names.${meta.language}`),
    };
  }
  const dossier: Dossier = {
    format: "qadam-dossier",
    v: 2,
    code: meta.code,
    created: meta.created,
    consent: { version: referralFlow.version, at: meta.created },
    language: meta.language,
    flows: { ...state.versions },
    answers: answered.map((ref) => {
      const a = state.answers[ref];
      return { ref, value: a?.kind === "value" ? a.value : null };
    }),
    cards: cards.map((c) => c.id),
    contact: { ...contact, ...(typeof detail === "string" ? { detail } : {}) },
    ...(typeof note === "string" ? { note } : {}),
    texts,
  };
  // Qadam's own output: its shape is checked by the tests (and by every reader), not on each send.
  return dossier;
}

export interface ReferralService {
  flows: FlowSet;
  cards: CardSet;
  /** Urgency rules for the staff's case card (flows/triage.yaml). */
  triage: readonly UrgencyRule[];
  /** Figures for reports: counters by quarter, country and area of need. */
  stats: StatsStore;
  i18n: i18n;
  directory: Directory;
  store: ReferralStore;
  dispatcher: Dispatcher;
  signer: { publicKey: Uint8Array; privateKey: Uint8Array };
  /** Where dossiers are built and sealed; on this thread (`sealFor`) when not given. */
  sealer?: Sealer;
}

/** What a referral is sealed from, besides the answers: plain values, so a worker thread can take them. */
export interface SealMeta {
  code: string;
  created: string;
  language: string;
  /** How long the bot keeps answers (days): texts in the dossier may say it. */
  retentionDays: number;
  /** The person's chat id, encrypted, when they agreed that a lawyer may write to them through Qadam. */
  contact?: string;
}

/** A sealed referral: the envelope's text (as stored and sent), the staff's record of it, and who it goes to. */
export interface Sealed {
  /** Only the text crosses from a sealing thread: the bot stores and sends it, and never reads it. */
  text: string;
  record: ReferralRecord;
  recipients: string[];
}

/** Builds and seals dossiers (all CPU, no I/O): on this thread, or on a worker (see sealer.ts). */
export interface Sealer {
  seal(state: InterviewState, meta: SealMeta): Promise<Sealed>;
  /** Gets ready for the first seal (a thread loads its content), without waiting for it. */
  warm(): void;
  close(): Promise<void>;
}

/**
 * Seals, stores (ciphertext only) and dispatches a referral; returns its record. Sending a code
 * that is already stored only dispatches it again (the delivery jobs are idempotent): a second
 * press of "Send" after a failure never makes a second case.
 */
export async function sendReferral(
  svc: ReferralService,
  state: InterviewState,
  meta: SealMeta & {
    owner: string;
    /** What the caller found already (`ReferralStore.admit`): false spares asking the store again. */
    stored?: boolean;
  },
): Promise<{ record: ReferralRecord; fresh: boolean }> {
  // Whether the code is stored already is asked first and answered while the dossier is built and
  // sealed (all CPU): one round trip less to wait for. A second press (rare) only wastes that work.
  const already = meta.stored === false ? Promise.resolve(undefined) : svc.store.envelope(meta.code);
  already.catch(() => undefined); // awaited below, where a failure is thrown
  const { owner, stored: _, ...sealMeta } = meta;
  const { text, record, recipients } = svc.sealer ? await svc.sealer.seal(state, sealMeta) : sealFor(svc, state, sealMeta);
  const stored = await already;
  const kept = stored ? await svc.store.get(meta.code) : undefined;
  if (stored && kept) {
    const envelope = parseEnvelope(stored);
    await svc.dispatcher.dispatch(
      meta.code,
      envelope.header.recipients.map((x) => x.name),
    );
    return { record: kept, fresh: false };
  }
  await svc.store.create(record, text, owner);
  // Once the case is kept, the rest at once: the figures, the contact, the deliveries. If one
  // fails, the Send fails as before; pressing "Send" again finds the case stored and only
  // dispatches again (a delivery job's id makes a repeat a no-op).
  await Promise.all([
    svc.stats.count(record.created, record.country, record.needs),
    meta.contact ? svc.store.setContact(meta.code, meta.contact) : undefined,
    svc.dispatcher.dispatch(meta.code, recipients),
  ]);
  return { record, fresh: true };
}

/** The dossier, sealed to its recipients, and the staff's record of it: no I/O. */
export function sealFor(
  svc: Pick<ReferralService, "flows" | "cards" | "directory" | "i18n" | "triage" | "signer">,
  state: InterviewState,
  meta: SealMeta,
): Sealed {
  const r = recipientsFor(svc.flows, svc.cards, svc.directory, state.answers, meta.language);
  const everyone = [
    { id: "triage", languages: r.triage.languages as string[], key: r.triage.public_key },
    ...r.partners.map((p) => ({ id: p.id, languages: p.languages as string[], key: p.public_key })),
  ];
  const languages = [...new Set([meta.language, ...everyone.flatMap((x) => x.languages)])];
  const retention = (lang: string) => retentionText(fixedT(svc.i18n, lang), meta.retentionDays);
  const dossier = buildDossier(svc.flows, svc.cards, svc.i18n, state, { ...meta, retention, languages, urgency: svc.triage });
  const country = answerValue(state.answers[refOf(svc.flows, "country")]);
  const envelope = seal(
    dossier,
    { code: meta.code, created: meta.created, country: typeof country === "string" ? country : "other" },
    everyone.map((x) => ({ name: x.id, publicKey: fromB64(x.key) })),
    svc.signer,
    nativeBulk,
  );
  const triage = triageOf(svc.flows, svc.triage, state.answers);
  const record: ReferralRecord = {
    code: meta.code,
    status: "received",
    country: envelope.header.country,
    language: meta.language,
    needs: triage.needs,
    urgency: triage.urgency,
    reasons: triage.reasons,
    partners: r.partners.map((p) => p.id),
    created: meta.created,
    updated: meta.created,
    touched: meta.created,
    relay: meta.contact !== undefined,
    relayed: 0,
  };
  // Written out here, where the sealing runs (a worker thread, see sealer.ts), not on the bot's thread.
  return { text: JSON.stringify(envelope), record, recipients: everyone.map((x) => x.id) };
}

/**
 * What stays of the interview once a referral is sealed. Nothing, unless the person chose to keep
 * their answers (the question with `role: keep`, asked before sending; skipping it means delete).
 * Even then: no contact details, no note, nothing of the referral screens; the person is back at
 * their result (summary and cards).
 */
export function afterSending(flows: FlowSet, state: InterviewState): InterviewState | undefined {
  if (answerValue(state.answers[refOf(flows, "keep")]) !== "keep") return undefined;
  const noteRef = refOf(flows, "note");
  const referralFlow = flowOf(flows, "referral").id;
  const answers: Record<string, Answer> = {};
  for (const [ref, a] of Object.entries(state.answers)) {
    const node = flows.nodes.get(ref);
    if (ref === noteRef || !node || node.flow === referralFlow || isResult(node)) continue;
    answers[ref] = a;
  }
  // The note is gone; marked passed so that the person comes back to their result, not to it.
  if (noteRef in state.answers) answers[noteRef] = { kind: "skipped" };
  return { node: walk(flows, answers).at, answers, versions: state.versions, step: state.step + 1 };
}

/** The person agreed that a lawyer may write to them here, through Qadam: the contact answer `qadam`. */
export function wantsRelay(flows: FlowSet, answers: Readonly<Record<string, Answer>>): boolean {
  return answerValue(answers[refOf(flows, "contact")]) === "qadam";
}
