import type { Page } from "../../api/types.js";
import type { Member, Org } from "../../contract/index.js";
import type { Command } from "../args.js";

/** Every page of a list, 500 at a time. */
export async function all<T>(page: (query: { cursor?: string; limit: number }) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page({ cursor, limit: 500 });
    items.push(...result.items);
    cursor = result.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export const orgs: Command = {
  path: ["orgs"],
  summary: "List your organizations (id, name, role)",
  options: {},
  async run(ctx) {
    const client = ctx.client();
    const items = await all<Org>((query) => client.orgs.list(query));
    ctx.out.list(items, [
      ["ID", (o) => o.id],
      ["NAME", (o) => o.name],
      ["ROLE", (o) => o.role],
    ]);
    return 0;
  },
};

export const members: Command = {
  path: ["members"],
  summary: "List an organization's members (owners, editors, viewers)",
  options: { org: { type: "string", value: "ID", required: true, help: "the organization" } },
  async run(ctx, args) {
    const client = ctx.client();
    const orgId = args.need("org");
    const items = await all<Member>((query) => client.members.list(orgId, query));
    ctx.out.list(items, [
      ["USER ID", (m) => m.userId],
      ["EMAIL", (m) => m.email],
      ["NAME", (m) => m.name],
      ["ROLE", (m) => m.role],
      ["JOINED", (m) => m.joinedAt],
    ]);
    return 0;
  },
};
