import { describe, expect, it } from "vitest";
import { OrgTurns } from "../server/events/org-turns.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const A = () => cluster.nodes[0]!;

describe("org turns", () => {
  it("one org's writers go one at a time, first come first served; other orgs do not wait", async () => {
    const turns = new OrgTurns();
    const order: string[] = [];
    const endFirst = await turns.take("a");
    const noted = (name: string) => (end: () => void) => {
      order.push(name);
      return end;
    };
    const second = turns.take("a").then(noted("a2"));
    const third = turns.take("a").then(noted("a3"));
    const other = await turns.take("b");
    order.push("b1");
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["b1"]);
    endFirst();
    const endSecond = await second;
    expect(order).toEqual(["b1", "a2"]);
    endSecond();
    endSecond(); // ending twice passes the turn once
    (await third)();
    expect(order).toEqual(["b1", "a2", "a3"]);
    other();
    // All turns ended: the next writer goes at once.
    (await turns.take("a"))();
  });

  it("a mutation refused under the lock ends its turn: the next write on the org goes through", async () => {
    const owner = await signup(A(), "owner");
    const viewer = await signup(A(), "viewer");
    const org = await createOrg(A(), owner.token);
    await addMember(A().db, org.id, viewer.user.id, "viewer");
    const refused = await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: viewer.token, body: { name: "No" } });
    expect(refused.status).toBe(403);
    const renamed = await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Yes" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Yes");
  });
});
