/**
 * Logging with pino. What people write never goes into a log: log update ids, node ids and
 * error types only. The redact list is a second line of defence if someone logs too much.
 */
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "qadam" },
      redact: {
        paths: ["token", "*.token", "text", "*.text", "*.phone", "update.message", "update.callback_query", "payload", "*.payload"],
        censor: "[REDACTED]",
      },
    },
    destination ?? pino.destination(2),
  );
}
