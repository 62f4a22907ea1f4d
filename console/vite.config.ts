import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The console builds to static files in `console/dist`, which every node serves at `/`.
 * `npx vite --config console/vite.config.ts` serves it with live reload, proxying the API and the
 * sockets to a node on :3000 (`npm start`).
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  publicDir: "public",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Everything is a file of the build: the page's Content-Security-Policy allows nothing inline.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      "/v1": "http://127.0.0.1:3000",
      "/socket.io": { target: "ws://127.0.0.1:3000", ws: true },
    },
  },
});
