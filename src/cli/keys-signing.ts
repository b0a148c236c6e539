/**
 * `npm run keys:signing`: a new Ed25519 signing key for the bot (SIGNING_KEY), and its verify key
 * and fingerprint to publish, so lawyers can check that a referral came from this Qadam.
 * With `--show`, prints the verify key of the SIGNING_KEY already set.
 */
import sodium from "libsodium-wrappers";
import { fingerprint, newSigningSeed, signingKeyFromSeed, toB64 } from "../referrals/keys.js";
import { toolArgs } from "./args.js";

const { values } = toolArgs({ options: { show: { type: "boolean", default: false } } }, "Usage: npm run keys:signing [-- --show]");
await sodium.ready;
const seed = values.show ? process.env["SIGNING_KEY"] : newSigningSeed();
if (!seed) {
  console.error("keys:signing --show: SIGNING_KEY is not set.");
  process.exit(2);
}
const kp = signingKeyFromSeed(seed);
if (!values.show) console.log(`SIGNING_KEY=${seed}   (secret: put it in the bot's configuration only)`);
console.log(`verify key:  ${toB64(kp.publicKey)}   (publish it)`);
console.log(`fingerprint: ${fingerprint(kp.publicKey)}`);
