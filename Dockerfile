# Orgwire node image. TypeScript runs through tsx at runtime (tsx is a production dependency),
# so there is no build step: the image holds the sources and the production node_modules.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app

# Manifests first so the dependency layer is cached across source changes. client-sdk is an npm
# workspace (@orgwire/client), so its manifest must be there for `npm ci` to link it.
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
# DATA_DIR (embedded PGlite) is only used when DATABASE_URL is unset; make it writable anyway.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000

# The slim image has no curl: ask node itself. /healthz is 200 while the process lives.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM drains (stop accepting, send sockets elsewhere, finish in-flight requests, exit 0).
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "server/main.ts"]
