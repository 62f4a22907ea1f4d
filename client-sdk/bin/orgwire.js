#!/usr/bin/env node
// The `orgwire` bin. It is a committed file rather than dist/cli/main.js itself because npm links a
// package's bins when it installs it, before any build: a bin pointing into dist/ is skipped in a
// fresh clone, where dist/ is built later by the root `prepare` (and by `prepack` for a tarball).
try {
  await import("../dist/cli/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/cli/main.js")) throw error;
  console.error("orgwire: the CLI is not built yet; run `npm run build` (in the repository or in client-sdk/)");
  process.exit(1);
}
