/**
 * Qadam's HTTP side, on `node:http` (two routes each; no framework needed):
 *
 * - the operator's port: `/healthz` (200 when Redis answers and the delivery worker runs, 503 and
 *   what is wrong otherwise) and `/metrics` (Prometheus text; no chat ids, no content). Meant for
 *   a private network or the container's own healthcheck, never the internet.
 * - webhook mode: grammY's `webhookCallback` at the path of WEBHOOK_URL, which checks Telegram's
 *   secret header in constant time (401 without it). An update that could not be handled answers
 *   500, so Telegram sends it again; a repeat of one already taken is dropped (storage/turns.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { webhookCallback } from "grammy";
import type { App } from "./app.js";
import type { Logger } from "./logger.js";

export interface Health {
  ok: boolean;
  redis: "ok" | "unreachable" | "none";
  worker: "running" | "stopped" | "none";
  /** Long polling: whether the runner still fetches updates. */
  polling?: "running" | "stopped";
}

/** Checks what must work for a person's answer to be kept and a referral delivered. */
export async function health(app: App, polling?: () => boolean): Promise<Health> {
  let redis: Health["redis"] = "none";
  if (app.redis) {
    try {
      const pong = await Promise.race([
        app.redis.ping(),
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000).unref()),
      ]);
      redis = pong === "PONG" ? "ok" : "unreachable";
    } catch {
      redis = "unreachable";
    }
  }
  const worker: Health["worker"] = app.hasWorker ? (app.dispatcher.healthy() ? "running" : "stopped") : "none";
  const h: Health = { ok: redis !== "unreachable" && worker !== "stopped", redis, worker };
  if (polling) {
    h.polling = polling() ? "running" : "stopped";
    if (h.polling === "stopped") h.ok = false;
  }
  return h;
}

/** Listens on host:port; resolves when it does (port 0: a free one, read back from `address()`). */
export async function listen(server: Server, host: string, port: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

export const portOf = (server: Server) => {
  const a = server.address();
  return typeof a === "object" && a ? a.port : 0;
};

/** /healthz and /metrics. */
export function opsServer(app: App, logger: Logger, polling?: () => boolean): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "text/plain", "GET only\n");
    if (path === "/healthz")
      return void health(app, polling).then((h) => reply(h.ok ? 200 : 503, "application/json", `${JSON.stringify(h)}\n`));
    if (path === "/metrics")
      return void app.metrics.text().then(
        (text) => reply(200, app.metrics.contentType, text),
        (e: Error) => {
          logger.warn({ err: e.message }, "metrics");
          reply(500, "text/plain", "metrics unavailable\n");
        },
      );
    reply(404, "text/plain", "not found: /healthz or /metrics\n");
  });
}

/** The webhook: POST to the path of `url` with Telegram's secret header; anything else is 404. */
export function webhookServer(app: App, o: { url: string; secret: string; logger: Logger }): Server {
  const path = new URL(o.url).pathname;
  const handle = webhookCallback(app.bot, "http", { secretToken: o.secret });
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    handle(req, res).catch((e: Error) => {
      o.logger.error({ err: e.message }, "webhook update not handled; Telegram will send it again");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
