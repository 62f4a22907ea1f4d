import { actionFilter } from "../contract/index.js";
import type { Args } from "./args.js";
import { UsageError } from "./errors.js";

/** `--action`, checked as the server checks it. */
export function actionOption(args: Args): string | undefined {
  const action = args.string("action");
  if (action !== undefined && !actionFilter.safeParse(action).success) {
    throw new UsageError("--action must be an event type such as member.removed, or a prefix such as member.*", [
      ...args.command.path,
    ]);
  }
  return action;
}

/** `member.removed` matches itself; `member.*` every `member.` type. */
export function matchesAction(action: string, type: string): boolean {
  return action.endsWith(".*") ? type.startsWith(action.slice(0, -1)) : type === action;
}
