/**
 * The shape of a cards file (`flows/rights.yaml`): rights and remedies cards, each shown when its
 * condition holds over the answers, made of parts with their own conditions, citing sources.
 * Texts are i18n keys in the `rights` namespace: `<card>.title`, `<card>.<part>`, `sources.<id>`.
 */
import { z } from "zod";
import { condition, slug } from "../flow/schema.js";
import { SPECIALTIES } from "./specialties.js";

/**
 * A source a card cites. `official`: the text itself (adilet.zan.kz, lex.uz, a UN document or
 * treaty page); anything else is a secondary source (a report, news, a commentary, an unofficial
 * translation), and its label says whose words they are. `country`: the source is about one
 * country's law, so it must never be cited in another country's case. `checked`: when what the
 * cards say was last checked against it; shown once per result, and required.
 */
export const source = z.strictObject({
  url: z.url(),
  checked: z.iso.date({ error: "every source needs the date it was checked (checked: YYYY-MM-DD)" }),
  official: z.boolean(),
  country: z.enum(["kz", "uz"]).optional(),
});

export const cardsFile = z.strictObject({
  sources: z.record(slug, source),
  /** Kinds of case needed that no card stands for (e.g. medical care), by condition. */
  extra_specialties: z.partialRecord(z.enum(SPECIALTIES), condition).optional(),
  cards: z
    .array(
      z.strictObject({
        id: slug,
        /** The kind of case this card stands for, to match partner lawyers. */
        specialty: z.enum(SPECIALTIES).optional(),
        when: condition.optional(),
        /**
         * The card names a deadline that may be running (always, or where this condition holds):
         * such cards come first in the result, so the deadline is the first thing a person reads.
         */
        deadline: z.union([z.literal(true), condition]).optional(),
        parts: z.array(z.union([slug, z.strictObject({ text: slug, if: condition })])).min(1),
        /** Sources, each optionally only where its condition holds (a Kazakh law for Kazakh cases). */
        cite: z
          .array(z.strictObject({ source: slug, at: z.string().max(40).optional(), if: condition.optional() }))
          .min(1, "every card cites at least one source"),
      }),
    )
    .min(1),
});
export type CardsFile = z.infer<typeof cardsFile>;
