/**
 * The lawyer-facing words for an error, from the `lawyer` namespace, in the lawyer's language.
 * Shared by the command-line tool and the offline page.
 */
import type { TFunction } from "i18next";
import { OpenError } from "../referrals/errors.js";

export function explain(e: unknown, t: TFunction): string {
  if (e instanceof OpenError) return t(`lawyer:errors.${e.code}`, e.params) as string;
  return e instanceof Error ? e.message : String(e);
}
