import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { OrgwireClient, type Subscription } from "../client-sdk/src/index.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { openRaw } from "./support/raw-socket.js";
import { sleep, waitFor } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

/**
 * New connections are worked on a bounded number at a time (SOCKET_ARRIVALS_PER_NODE, here 2);
 * the rest wait before their handshake. What is checked: a waiting connection is not answered
 * until a place frees, HTTP is answered meanwhile, and places come back whichever way a
 * connection ends (attached, closed, or silent past the hold).
 */
const cluster = useCluster(1, { SOCKET_ARRIVALS_PER_NODE: "2" });
const A = () => cluster.nodes[0]!;

/** A websocket whose Engine.IO open packet (the handshake's answer) is awaited separately. */
function arriving(url: string) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
  ws.on("error", () => {});
  let opened = false;
  const frames: string[] = [];
  const open = new Promise<void>((resolve) =>
    ws.on("message", (data) => {
      frames.push(data.toString());
      if (data.toString().startsWith("0")) {
        opened = true;
        resolve();
      }
    }),
  );
  return { ws, open, opened: () => opened, frames };
}

/** Both places taken by raw connections that ask for nothing yet, and two more waiting. */
async function fullGate() {
  const holders = [await openRaw(A().url), await openRaw(A().url)] as const;
  const waiters = [arriving(A().url), arriving(A().url)] as const;
  opened.push(() => {
    for (const h of holders) h.close();
    for (const w of waiters) w.ws.terminate();
  });
  await sleep(200);
  expect(waiters.some((w) => w.opened())).toBe(false);
  return { holders, waiters };
}
const opened: (() => void)[] = [];
afterEach(() => {
  for (const close of opened.splice(0)) close();
});

describe("arrivals", () => {
  it("a connection past the bound waits unanswered while HTTP is served; an attach frees its place", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const first = await openRaw(A().url);
    const second = await openRaw(A().url);
    const third = arriving(A().url);
    await sleep(300);
    expect(third.opened()).toBe(false);
    // HTTP does not wait behind the arrivals.
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(200);
    expect(third.opened()).toBe(false);

    const nsp = `/orgs/${org.id}`;
    first.connect(nsp, { token: owner.token });
    await waitFor(() => first.packets("2", nsp).some((f) => f.includes('"ready"')), "the first to be ready");
    await third.open;
    first.close();
    second.close();
    third.ws.terminate();
  });

  it("a refused handshake and a closed connection free their places too", async () => {
    const { holders, waiters } = await fullGate();
    // Refused: a bad token.
    const owner = await signup(A(), "refused");
    const org = await createOrg(A(), owner.token);
    holders[0].connect(`/orgs/${org.id}`, { token: "not-a-token" });
    await waiters[0].open;
    expect(waiters[1].opened()).toBe(false);
    // Closed.
    holders[1].close();
    await waiters[1].open;
  });

  it("a connection that gave up while waiting takes no place; a silent one gives its place up after the hold", async () => {
    const {
      waiters: [quitter, patient],
    } = await fullGate();
    quitter.ws.terminate();
    // Neither holder asks for a namespace: their places come back after the hold (2 s), and the
    // one that quit is skipped, so the patient one gets in.
    const started = Date.now();
    await patient.open;
    expect(Date.now() - started).toBeGreaterThan(1_000);
    expect(quitter.opened()).toBe(false);
  });

  it("a member removed while their connection waits is refused once it is let in, and sees no event", async () => {
    const owner = await signup(A(), "owner");
    const member = await signup(A(), "member");
    const org = await createOrg(A(), owner.token);
    await addMember(A().db, org.id, member.user.id, "editor");
    const { holders, waiters } = await fullGate();
    const removed = await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${member.user.id}`, {
      token: owner.token,
    });
    expect(removed.status).toBe(204);
    holders[0].close();
    await waiters[0].open;
    const nsp = `/orgs/${org.id}`;
    waiters[0].ws.send(`40${nsp},${JSON.stringify({ token: member.token, since: 0 })}`);
    await waitFor(() => waiters[0].frames.some((f) => f.startsWith(`44${nsp},`)), "the refusal");
    expect(waiters[0].frames.find((f) => f.startsWith(`44${nsp},`))).toContain("forbidden");
    expect(waiters[0].frames.some((f) => f.startsWith(`42${nsp},`))).toBe(false);
  });

  it("40 SDK clients arriving at once are all let in, two at a time, and ready (no place is lost)", async () => {
    const owner = await signup(A(), "many");
    const org = await createOrg(A(), owner.token);
    const client = new OrgwireClient({ url: A().url, token: owner.token });
    const subs: Subscription[] = [];
    const readies = await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<number>((resolve, reject) => {
            subs.push(
              client.subscribe(org.id, {
                onEvent: () => {},
                onReady: (r) => resolve(r.seq),
                onError: reject,
              }),
            );
          }),
      ),
    );
    expect(readies).toEqual(Array(40).fill(1)); // org.created
    for (const sub of subs) sub.close();
  });
});
