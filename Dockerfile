# Orgwire node image. A first stage builds with the dev tools (`npm run build`: the SDK, the console's
# static files and the server, compiled by tsc to dist/); the image runs the compiled server with
# production dependencies only (tsx and typescript are dev dependencies).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/
# --ignore-scripts: `prepare` builds from the sources, which are copied in the next step.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app

# Manifests first so the dependency layer is cached across source changes. client-sdk is an npm
# workspace (@orgwire/client), so its manifest must be there for `npm ci` to link it.
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# Only what runs: the compiled server (dist/server, dist/migrations, dist/client-sdk/src/contract),
# the console it serves from console/dist, and the SDK package (`npx orgwire`) the workspace links.
COPY --from=build /app/dist dist
COPY --from=build /app/console/dist console/dist
COPY --from=build /app/client-sdk/dist client-sdk/dist
COPY client-sdk/bin client-sdk/bin
# DATA_DIR (embedded PGlite) is only used when DATABASE_URL is unset; make it writable anyway.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000

# The slim image has no curl: ask node itself. /healthz is 200 while the process lives.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM drains (stop accepting, send sockets elsewhere, finish in-flight requests, exit 0).
STOPSIGNAL SIGTERM
# Node itself, not `npm start` (that runs the sources through tsx, a dev dependency) and not npm at
# all: npm would stand between the signal and the process.
CMD ["node", "dist/server/main.js"]
