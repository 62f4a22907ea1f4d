import type { OrgEvent } from "../contract/index.js";
import type { OrgwireError } from "../errors.js";
import type { Context } from "./context.js";
import { eventLine } from "./output.js";

export interface TailOptions {
  orgId: string;
  /** Replay everything after this seq first. */
  since?: number;
  /** Events to print (all when absent). */
  filter?: (event: OrgEvent) => boolean;
}

/**
 * Prints an org's events as they arrive, until the subscription ends: 0 when access is revoked
 * (the reason goes to stderr) or on SIGINT/SIGTERM, 1 when the handshake is refused.
 */
export function tail(ctx: Context, options: TailOptions): Promise<number> {
  const client = ctx.client();
  const { out } = ctx;
  const warn = out.errColor;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      subscription.close();
      resolve(code);
    };
    const stop = () => finish(0);
    const subscription = client.subscribe(options.orgId, {
      since: options.since,
      onEvent: (event) => {
        if (!options.filter || options.filter(event)) out.record(event, () => eventLine(event, out.color));
      },
      onReady: (ready) => out.note(warn.dim(`live: org ${ready.orgId} as ${ready.role}, head seq ${ready.seq}`)),
      onStatus: (status) => {
        if (status === "reconnecting") out.note(warn.yellow("not connected; retrying…"));
      },
      onRevoked: ({ reason }) => {
        out.note(`${warn.yellow("revoked:")} ${reason}`);
        finish(0);
      },
      onError: (error: OrgwireError) => {
        out.error(`${error.code}: ${error.message}`);
        finish(1);
      },
    });
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
