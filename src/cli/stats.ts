/**
 * `REDIS_URL=… npm run stats [-- --csv]`: referrals by quarter, country and area of need, and the
 * cases kept now by status, from triage metadata only. Every count under 5 is shown as "<5".
 */
import { RedisReferralStore } from "../referrals/store.js";
import { connectRedis } from "../storage/redis.js";
import { RedisStats, statsCsv, statsTable } from "../triage/stats.js";
import { toolArgs } from "./args.js";

const USAGE = "Usage: REDIS_URL=redis://… npm run stats [-- --csv]";
const { values } = toolArgs({ options: { csv: { type: "boolean", default: false } } }, USAGE);
const url = process.env["REDIS_URL"];
if (!url) {
  console.error(USAGE);
  process.exit(2);
}
const redis = connectRedis({ ...process.env, REDIS_URL: url }, { maxRetriesPerRequest: 2 });
redis.on("error", () => {}); // the command itself reports what failed
try {
  const statuses: Record<string, number> = {};
  for (const r of await new RedisReferralStore(redis, 86_400).all()) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const table = statsTable(await new RedisStats(redis).counts(), statuses);
  if (values.csv) console.log(statsCsv(table));
  else {
    for (const r of table.rows)
      console.log(`${r.quarter}  ${r.country.padEnd(5)}  ${(r.need === "*" ? "all" : r.need).padEnd(12)}  ${r.count}`);
    console.log("");
    for (const s of table.statuses) console.log(`${s.status.padEnd(10)}  ${s.count}`);
  }
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
