/**
 * `npm run referral:attach -- referral-QDM-….<partner>.qadam --to <partner id>` (staff, on the
 * server): takes a referral with a grant made offline by `referral:grant`, checks that the grant
 * is for that partner's key and that the envelope is the one Qadam sent, keeps it, and has the bot
 * deliver it to the partner. The server handles ciphertext only. Needs REDIS_URL.
 */
import { readFileSync } from "node:fs";
import { Queue } from "bullmq";
import sodium from "libsodium-wrappers";
import { ATTEMPTS, QUEUE } from "../referrals/delivery.js";
import { canonical, mergeGrants, parseEnvelope } from "../referrals/envelope.js";
import { fromB64, keyId } from "../referrals/keys.js";
import { loadPartners } from "../referrals/partners.js";
import { RedisReferralStore } from "../referrals/store.js";
import { connectRedis } from "../storage/redis.js";
import { toolArgs } from "./args.js";

const USAGE = "Usage: REDIS_URL=… PARTNERS_FILE=… npm run referral:attach -- <granted.qadam> --to <partner id>";
const { values, positionals } = toolArgs({ allowPositionals: true, options: { to: { type: "string" } } }, USAGE);
const url = process.env["REDIS_URL"];
if (!positionals[0] || !values.to || !url) {
  console.error(USAGE);
  process.exit(2);
}
await sodium.ready;
const redis = connectRedis({ ...process.env, REDIS_URL: url }, { maxRetriesPerRequest: 2 });
redis.on("error", () => {}); // the command itself reports what failed
try {
  const dir = loadPartners(process.env["PARTNERS_FILE"] ?? "examples/partners.yaml", process.env["TRIAGE_PUBLIC_KEY"]);
  const partner = dir.partners.find((p) => p.id === values.to);
  if (!partner) throw new Error(`No partner "${values.to}" in the partners file.`);
  const env = parseEnvelope(readFileSync(positionals[0], "utf8"));
  const grantFor = keyId(fromB64(partner.public_key));
  if (!env.grants?.some((g) => g.keyId === grantFor)) throw new Error(`The file holds no grant for ${partner.id}'s key.`);
  const ttlSeconds = Number(process.env["REFERRAL_TTL_DAYS"] ?? 90) * 86_400;
  const store = new RedisReferralStore(redis, ttlSeconds);
  const kept = await store.envelope(env.header.code);
  if (!kept) throw new Error(`Qadam no longer keeps ${env.header.code} (it expired, or it is not from this instance).`);
  const original = parseEnvelope(kept);
  if (canonical({ ...original, grants: undefined }) !== canonical({ ...env, grants: undefined }))
    throw new Error("This is not the envelope Qadam sent for that code.");
  // Earlier grants (to other lawyers) stay: the new one is added to them.
  await store.putEnvelope(env.header.code, JSON.stringify(mergeGrants(original, env)));
  const connection = redis.duplicate({ maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection });
  // Its own job id and "sent" marker: a first delivery to this partner (say, before a key was
  // replaced) must not block this one. Like every delivery job, it is gone when the envelope is.
  await queue.add(
    "deliver",
    { code: env.header.code, recipient: partner.id, grant: grantFor },
    {
      jobId: `ref-${env.header.code}-${partner.id}-grant-${grantFor}`,
      attempts: ATTEMPTS,
      backoff: { type: "qadam" },
      removeOnComplete: { age: ttlSeconds },
      removeOnFail: { age: ttlSeconds },
    },
  );
  await queue.close();
  connection.disconnect();
  console.log(`${env.header.code}: delivery to ${partner.id} queued.`);
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
