/**
 * `npm run referral:status -- QDM-7K3Q-M2XA in_review` (staff): moves a referral to the next status
 * (received, in_review, assigned, accepted, closed), which the person sees with /status. Needs
 * REDIS_URL. Without a status, prints the current one.
 */

import { normalizeReceiptCode } from "../referrals/code.js";
import { RedisReferralStore, STATUSES, type Status } from "../referrals/store.js";
import { connectRedis } from "../storage/redis.js";

const [typed, status] = process.argv.slice(2);
const code = typed ? normalizeReceiptCode(typed) : undefined;
const url = process.env["REDIS_URL"];
if (!code || (status && !(STATUSES as readonly string[]).includes(status)) || !url) {
  console.error(`Usage: REDIS_URL=redis://… npm run referral:status -- <QDM-XXXX-XXXX> [${STATUSES.join("|")}]`);
  process.exit(2);
}
const redis = connectRedis({ ...process.env, REDIS_URL: url }, { maxRetriesPerRequest: 2 });
redis.on("error", () => {}); // the command itself reports what failed
const store = new RedisReferralStore(redis, Number(process.env["REFERRAL_TTL_DAYS"] ?? 90) * 86_400);
try {
  if (status && !(await store.setStatus(code, status as Status, new Date().toISOString())))
    throw new Error(`No referral ${code} (it may have expired).`);
  const rec = await store.get(code);
  if (!rec) throw new Error(`No referral ${code} (it may have expired).`);
  console.log(`${rec.code}: ${rec.status} (country ${rec.country}, sent ${rec.created}, updated ${rec.updated})`);
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
