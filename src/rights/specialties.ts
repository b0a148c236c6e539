/**
 * Kinds of case: each rights card stands for one, and each partner lawyer takes some. Defined
 * here, with the cards, so the referrals can match partners without the cards depending on them.
 */
export const SPECIALTIES = ["compensation", "review", "torture", "financial_list", "un_complaints", "medical"] as const;
export type Specialty = (typeof SPECIALTIES)[number];
