/**
 * Why a referral or a key file cannot be opened. Only a code and its values: the words a lawyer
 * reads are `lawyer:errors.<code>` in the locales, so the command-line tool and the offline page
 * say it in the lawyer's language.
 */
export type OpenErrorCode =
  | "not_complete"
  | "not_referral"
  | "version"
  | "damaged"
  | "other_signer"
  | "bad_verify_key"
  | "signer_mismatch"
  | "bad_signature"
  | "recipients_mismatch"
  | "not_addressed"
  | "cannot_unseal"
  | "does_not_decrypt"
  | "not_triage"
  | "triage_cannot_open"
  | "keyfile_not_json"
  | "keyfile_not_qadam"
  | "keyfile_mismatch"
  | "dossier_unreadable"
  | "dossier_unknown";

export class OpenError extends Error {
  constructor(
    readonly code: OpenErrorCode,
    readonly params: Record<string, string> = {},
  ) {
    super(code);
    this.name = "OpenError";
  }
}

/** JSON.parse that fails as an OpenError with `code`: every file a lawyer opens is JSON first. */
export function parseJson(text: string, code: OpenErrorCode): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new OpenError(code);
  }
}
