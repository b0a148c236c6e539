# Qadam: multi-stage build on Node 22 LTS; the runtime image has production dependencies only
# and runs as the unprivileged `node` user, with tini as PID 1 so SIGTERM stops the bot cleanly.
# compose.yaml runs it beside Redis; tests/deploy.test.ts checks this file without a Docker engine.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev alone still installs typescript: it is an optional peer of i18next, so the lockfile
# marks it devOptional (a dev dependency that is also optional for a production one), and npm
# leaves such a package out only when both dev and optional are omitted. --omit=peer does not help:
# nothing is flagged peer. --omit=optional drops typescript, detect-libc and msgpackr-extract with
# its platform binary; msgpackr-extract only speeds up *unpacking* and BullMQ only packs with
# msgpackr (its JS fallback is used), so nothing the bot runs is lost (tests/deploy.test.ts checks
# that every production package's required dependencies stay). --ignore-scripts: no production
# package left has an install script, and none gets to run code at build time.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY flows ./flows
COPY locales ./locales
# The example partners file (public keys only) lets `docker run -i` start the local chat; on
# Telegram the bot refuses it and asks for PARTNERS_FILE (mount your own, e.g. under /config).
COPY examples/partners.yaml ./examples/partners.yaml
# REFERRALS_DIR (default referrals-out, relative to /app) is where folder transports write sealed
# files: it must exist and belong to `node`, who cannot create folders in root-owned /app. Mode
# 0700 as the bot itself would make it. compose.yaml mounts a named volume here, and Docker copies
# this owner and mode into a new, empty volume.
# Node 22's compile cache (V8 code for every module, kept on disk): start-up is mostly module
# loading, and the cache saves about 50–70 ms of its CPU (importing dist/app.js: 0.37–0.40 s user
# time without, 0.30–0.33 s with, on Node 22.23); small, but every restart and staff tool gets it.
# The folder belongs to `node` so the bot and the tools can use and refresh it.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir -p /app/referrals-out /app/.compile-cache \
 && chown node:node /app/referrals-out /app/.compile-cache && chmod 0700 /app/referrals-out
USER node
# Fills the compile cache, and proves at build time that the production tree runs the bot: one
# /start through the local chat (no token, no Redis; its throwaway files go to /tmp, not the image's
# referrals folder).
RUN printf '/start\n' | REFERRALS_DIR=/tmp/qadam-warm node dist/main.js > /dev/null && rm -rf /tmp/qadam-warm
# No HEALTHCHECK here: the same image runs the local chat (`docker run -it`), which serves no
# /healthz unless OPS_PORT is set; compose.yaml declares the check for the Telegram service.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
