/**
 * `npm run keys:session`: prints fresh values for SESSION_KEYS and SESSION_SECRET. To rotate the
 * session key, put a new entry first and keep the old one after it until old sessions expire:
 * SESSION_KEYS=k2:<new>,k1:<old>.
 */
import { cryptoReady, newKeyEntry, newSecret } from "../storage/cipher.js";
import { toolArgs } from "./args.js";

const { values } = toolArgs({ options: { id: { type: "string", default: "k1" } } }, "Usage: npm run keys:session [-- --id <key name>]");
await cryptoReady();
console.log(`SESSION_KEYS=${newKeyEntry(values.id)}`);
console.log(`SESSION_SECRET=${newSecret()}`);
