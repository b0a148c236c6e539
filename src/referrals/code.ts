/**
 * Receipt codes: `QDM-7K3Q-M2XA`. Eight Crockford base32 characters (40 random bits), easy to read
 * aloud and type; reading back forgives case, spaces, missing dashes and the look-alikes I/L → 1,
 * O → 0, U → V.
 */
import sodium from "libsodium-wrappers";
import { crockford } from "./keys.js";

export function newReceiptCode(): string {
  const c = crockford(sodium.randombytes_buf(5)); // 40 bits = 8 characters
  return `QDM-${c.slice(0, 4)}-${c.slice(4, 8)}`;
}

/** The canonical code for what someone typed, or undefined if it cannot be one. */
export function normalizeReceiptCode(typed: string): string | undefined {
  let s = typed.toUpperCase().replace(/[\s-]/g, "");
  if (s.startsWith("QDM")) s = s.slice(3);
  s = s.replace(/[IL]/g, "1").replace(/O/g, "0").replace(/U/g, "V");
  if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(s)) return undefined;
  return `QDM-${s.slice(0, 4)}-${s.slice(4)}`;
}
