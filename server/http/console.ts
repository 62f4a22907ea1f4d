import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Context, MiddlewareHandler } from "hono";

/**
 * Where `npm run build` (Vite) writes the console. This file runs from server/http/ (tsx, vitest) or compiled from
 * dist/server/http/ (`node dist/server/main.js`, tsconfig.build.json), one level deeper; console/dist sits at the
 * repository root either way, as tsc does not copy it.
 */
export const CONSOLE_DIST = fileURLToPath(
  new URL(
    fileURLToPath(import.meta.url).endsWith(".js") ? "../../../console/dist/" : "../../console/dist/",
    import.meta.url,
  ),
);

/** Paths the console never answers: the API, the socket transport and the node's own routes. */
const RESERVED = /^\/(?:v1|socket\.io|healthz|readyz|metrics|openapi\.json)(?:\/|$)/;

/** The page locks itself to this origin: no CDN, no inline script, sockets back to the node. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Orgwire</title></head>
<body><main><h1>Orgwire</h1>
<p>The console is not built. Run <code>npm run build</code>, then reload this page.</p>
<p>The API is at <a href="/openapi.json">/openapi.json</a>.</p></main></body></html>
`;

export interface ConsoleOptions {
  /** The built console (defaults to `console/dist`). */
  root?: string;
}

/**
 * Serves the web console: its files, and `index.html` for every client-side route (`/`,
 * `/orgs/…`, `/invite/<token>`). Mount it after the API: it passes `/v1`, `/socket.io`, `/healthz`,
 * `/readyz`, `/metrics` and `/openapi.json` on untouched, so their 404/405 envelopes stay as they are.
 * Hashed assets are cached for a year, everything else is revalidated.
 */
export function consoleMiddleware(options: ConsoleOptions = {}): MiddlewareHandler {
  const root = options.root ?? CONSOLE_DIST;
  const indexHtml = `${root.replace(/\/$/, "")}/index.html`;
  const files = serveStatic({ root });
  const index = serveStatic({ root, path: "index.html" });
  const none = async () => {};

  return async (c, next) => {
    const { method, path } = c.req;
    if ((method !== "GET" && method !== "HEAD") || RESERVED.test(path)) return next();
    if (!existsSync(indexHtml)) {
      if (path !== "/") return next();
      setHeaders(c, { "Cache-Control": "no-store" });
      return c.html(NOT_BUILT);
    }
    // Headers go on before serveStatic builds its response, and come off again when it finds nothing.
    const headers = path === "/" || path.endsWith(".html") ? PAGE_HEADERS : fileHeaders(path);
    setHeaders(c, headers);
    const file = await files(c, none);
    if (file) return file;
    // A missing file (its last segment has a dot) is a 404; any other path is a client-side route.
    if (!/\.[^/]*$/.test(path)) {
      setHeaders(c, PAGE_HEADERS);
      const page = await index(c, none);
      if (page) return page;
    }
    setHeaders(c, Object.fromEntries(Object.keys(PAGE_HEADERS).map((k) => [k, undefined])));
    return next();
  };
}

const PAGE_HEADERS: Record<string, string> = {
  "Cache-Control": "no-cache",
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** Vite names what it emits under `assets/` by content hash, so those never change. */
function fileHeaders(path: string): Record<string, string> {
  const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "public, max-age=3600";
  return { "Cache-Control": cache, "X-Content-Type-Options": "nosniff" };
}

function setHeaders(c: Context, headers: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
}
