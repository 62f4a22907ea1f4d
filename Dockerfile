# Orgwire node image. The server runs through tsx (a production dependency), so it needs no
# build; the console (static files) and the SDK are built in a first stage with the dev tools.
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

COPY . .
COPY --from=build /app/console/dist console/dist
COPY --from=build /app/client-sdk/dist client-sdk/dist
# DATA_DIR (embedded PGlite) is only used when DATABASE_URL is unset; make it writable anyway.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000

# The slim image has no curl: ask node itself. /healthz is 200 while the process lives.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM drains (stop accepting, send sockets elsewhere, finish in-flight requests, exit 0).
STOPSIGNAL SIGTERM
# Not `npm start`: its prestart would rebuild, and the image has no dev tools.
CMD ["node", "--import", "tsx", "server/main.ts"]
