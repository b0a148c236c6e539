/**
 * The shape of a cards file (`flows/rights.yaml`): rights and remedies cards, each shown when its
 * condition holds over the answers, made of parts with their own conditions, citing sources.
 * Texts are i18n keys in the `rights` namespace: `<card>.title`, `<card>.<part>`, `sources.<id>`.
 */
import { z } from "zod";
import { condition, slug } from "../flow/schema.js";
import { SPECIALTIES } from "../referrals/partners.js";

export const cardsFile = z.strictObject({
  /** When the sources were last checked (shown on every card). */
  checked: z.iso.date(),
  sources: z.record(slug, z.strictObject({ url: z.url() })),
  /** Kinds of case needed that no card stands for (e.g. medical care), by condition. */
  extra_specialties: z.partialRecord(z.enum(SPECIALTIES), condition).optional(),
  cards: z
    .array(
      z.strictObject({
        id: slug,
        /** The kind of case this card stands for, to match partner lawyers. */
        specialty: z.enum(SPECIALTIES).optional(),
        when: condition.optional(),
        parts: z.array(z.union([slug, z.strictObject({ text: slug, if: condition })])).min(1),
        /** Sources, each optionally only where its condition holds (a Kazakh law for Kazakh cases). */
        cite: z.array(z.strictObject({ source: slug, at: z.string().max(40).optional(), if: condition.optional() })).min(1, "every card cites at least one source"),
      }),
    )
    .min(1),
});
export type CardsFile = z.infer<typeof cardsFile>;
