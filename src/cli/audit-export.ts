/**
 * `REDIS_URL=… npm run audit:export > audit.jsonl`: the audit stream as JSON lines, oldest first
 * (who, role, action, case, detail, when; never content).
 */
import { connectRedis } from "../storage/redis.js";
import { RedisAudit } from "../triage/audit.js";

const url = process.env["REDIS_URL"];
if (!url) {
  console.error("Usage: REDIS_URL=redis://… npm run audit:export > audit.jsonl");
  process.exit(2);
}
const redis = connectRedis({ ...process.env, REDIS_URL: url }, { maxRetriesPerRequest: 2 });
redis.on("error", () => {}); // the command itself reports what failed
try {
  for (const e of await new RedisAudit(redis, 86_400).all()) console.log(JSON.stringify(e));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
