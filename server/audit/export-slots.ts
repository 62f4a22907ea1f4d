import { AppError } from "../core/errors.js";

/** What a refused export is told to wait: exports take seconds, and another node may be free now. */
const RETRY_AFTER_SECONDS = "2";

/**
 * The node's cap on audit exports running at once. Each holds a page (about EXPORT_PAGE_BYTES)
 * plus what waits in its stream until the client reads it, for as long as the client takes, so the
 * count bounds the node's export memory. Past the cap: 503 `unavailable` with Retry-After, because
 * it is this node that is busy, not the caller who asked too often (a proxy may retry elsewhere).
 */
export function createExportSlots(max: number) {
  let running = 0;
  return {
    /** Takes a slot or throws the 503; the returned function gives it back (once, however often called). */
    acquire(): () => void {
      if (running >= max) {
        throw new AppError("unavailable", `this node is already running ${max} audit exports; retry later`, undefined, {
          "Retry-After": RETRY_AFTER_SECONDS,
        });
      }
      running++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        running--;
      };
    },
  };
}

export type ExportSlots = ReturnType<typeof createExportSlots>;
