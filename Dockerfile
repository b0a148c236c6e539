# Qadam: multi-stage build on Node 22 LTS; the runtime image has production dependencies only
# and runs as the unprivileged `node` user, with tini as PID 1 so SIGTERM stops the bot cleanly.
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
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY flows ./flows
COPY locales ./locales
# The example partners file (public keys only) lets `docker run -i` start the local chat; on
# Telegram the bot refuses it and asks for PARTNERS_FILE (mount your own, e.g. under /config).
COPY examples/partners.yaml ./examples/partners.yaml
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
