/**
 * Issue 3's figures, each beside a baseline measured in the same run:
 * (a) fan-out: 2,000 sockets of one org over 2 nodes; from the HTTP mutation's send to the last
 *     socket's receipt, against a plain Socket.IO pair with @socket.io/redis-adapter broadcasting
 *     the same payload from an HTTP trigger;
 * (b) revocation: with those sockets connected, from the DELETE's send to the member's disconnect,
 *     against the baseline's adapter-wide `disconnectSockets` plus the same broadcast to the others.
 * (c) revocation of members holding many sockets: 100 members with 20 sockets each, 10 on each
 *     node; from the DELETE's send to the member's last socket disconnected, against a bare
 *     cross-node `disconnectSockets` of the same 20 sockets on the baseline pair (no broadcast).
 * The 2,000 audience sockets live in a child process (./audience.ts), so that decoding their events
 * does not delay what this process measures; (c)'s sockets live in another one (./holders.ts).
 */

import { fork, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Socket } from "socket.io-client";
import { insertSession, insertUser } from "../server/auth/auth.repository.js";
import { hashToken, newToken } from "../server/auth/tokens.js";
import { openDatabase } from "../server/db/database.js";
import { insertMembership } from "../server/members/members.repository.js";
import { call, createOrg, signup } from "../test/support/api.js";
import { freePort, ROOT, spawnNode } from "../test/support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "../test/support/services.js";
import { childReports, startAudience } from "./child-reports.js";
import { openSockets, ratio, sleep, stats, writeResult } from "./support.js";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const WARMUP = 10;
const REMOVALS = Number(process.env.BENCH_REMOVALS ?? 100);
const HOLDERS = Number(process.env.BENCH_HOLDERS ?? 100);
const SOCKETS_PER_HOLDER = Number(process.env.BENCH_SOCKETS_PER_HOLDER ?? 20);

async function seedMembers(databaseUrl: string, orgId: string, count: number) {
  const handle = await openDatabase({ DATABASE_URL: databaseUrl, DATA_DIR: "" });
  const members: { userId: string; token: string }[] = [];
  try {
    for (let start = 0; start < count; start += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, count - start) }, async (_, j) => {
          const userId = randomUUID();
          const token = newToken();
          // Seeded straight through the repositories: 2,000 argon2 signups would only time argon2.
          await insertUser(handle.db, {
            id: userId,
            email: `bench-${start + j}-${userId}@example.com`,
            name: "m",
            passwordHash: "x",
          });
          await insertSession(handle.db, { id: randomUUID(), userId, tokenHash: hashToken(token) });
          await insertMembership(handle.db, { orgId, userId, role: "viewer" });
          return { userId, token };
        }),
      );
      members.push(...batch);
    }
  } finally {
    await handle.close();
  }
  return members;
}

async function spawnBaseline(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "bench/baseline-server.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      await sleep(100);
    }
  }
  return { url, kill: () => child.kill("SIGKILL") };
}

const closeAll = (sockets: Socket[]) => {
  for (const s of sockets) s.close();
};

/** The holders process (./holders.ts): members with many sockets; reports each member's last disconnect. */
function startHolders() {
  const child = fork(new URL("./holders.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: "inherit",
  });
  const wait = childReports(
    child,
    "holders",
    (m: { type: string; system?: string; group?: string; id?: number; at?: number }) =>
      m.type === "opened" ? `opened:${m.system}` : m.type === "pong" ? `pong:${m.id}` : `${m.system}:${m.group}`,
  );
  let pings = 0;
  return {
    async open(system: string, targets: { url: string; auth: Record<string, unknown>; group: string }[]) {
      child.send({ type: "open", system, targets });
      await wait(`opened:${system}`, 180_000);
    },
    /** Wall-clock instant the last socket of `group` was disconnected. */
    gone: (system: string, group: string) => wait(`${system}:${group}`),
    /** Resolves once the holders process has handled what it had queued. */
    idle: () => {
      const id = ++pings;
      child.send({ type: "ping", id });
      return wait(`pong:${id}`);
    },
    close: () => child.connected && child.send({ type: "close" }),
  };
}

const now = () => performance.timeOrigin + performance.now();

export async function runRealtimeBench() {
  const database = await createTestDatabase();
  const prefix = uniquePrefix("bench");
  const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: "error" };
  const nodes = [await spawnNode({ ...env, NODE_ID: "bench-a" }), await spawnNode({ ...env, NODE_ID: "bench-b" })];
  const baselineEnv = { REDIS_URL, REDIS_PREFIX: `${prefix}baseline` };
  const baselines = [await spawnBaseline(baselineEnv), await spawnBaseline(baselineEnv)];
  const audience = startAudience();
  const holders = startHolders();
  try {
    const owner = await signup(nodes[0]!, "bench-owner");
    const org = await createOrg(nodes[0]!, owner.token);
    // The audience, plus the members removed in (b), whose sockets live in this process.
    const members = await seedMembers(database.url, org.id, SOCKETS + REMOVALS + HOLDERS);
    const audienceMembers = members.slice(0, SOCKETS);
    const victims = members.slice(SOCKETS, SOCKETS + REMOVALS);
    const manySockets = members.slice(SOCKETS + REMOVALS);
    await audience.open(
      "ours",
      audienceMembers.map((m, i) => ({ url: `${nodes[i % 2]!.url}/orgs/${org.id}`, auth: { token: m.token } })),
    );
    await audience.open(
      "baseline",
      audienceMembers.map((m, i) => ({ url: `${baselines[i % 2]!.url}/orgs/baseline`, auth: { userId: m.userId } })),
    );
    const ours = await openSockets(REMOVALS, (i) => ({
      url: `${nodes[i % 2]!.url}/orgs/${org.id}`,
      auth: { token: victims[i]!.token },
    }));
    const base = await openSockets(REMOVALS, (i) => ({
      url: `${baselines[i % 2]!.url}/orgs/baseline`,
      auth: { userId: victims[i]!.userId },
    }));

    // (a) fan-out, alternating ours and the baseline round by round so both see the same machine.
    const fanOurs: number[] = [];
    const fanBase: number[] = [];
    let sample: unknown;
    ours[0]!.once("event", (e: unknown) => {
      sample = e;
    });
    let seq = 1;
    for (let round = 0; round < ROUNDS + WARMUP; round++) {
      seq++;
      let t0 = now();
      const patch = call(nodes[round % 2]!, "PATCH", `/v1/orgs/${org.id}`, {
        token: owner.token,
        body: { name: `round ${round}` },
      });
      const oursMs = (await audience.last("ours", seq)) - t0;
      await patch;
      const payload = { ...(sample as object), seq };
      t0 = now();
      const trigger = fetch(`${baselines[round % 2]!.url}/broadcast`, {
        method: "POST",
        body: JSON.stringify(payload),
      });
      const baseMs = (await audience.last("baseline", seq)) - t0;
      await trigger;
      if (round >= WARMUP) {
        fanOurs.push(oursMs);
        fanBase.push(baseMs);
      }
    }

    // (b) revocation: one member at a time, their socket on the node the DELETE does not reach.
    // The baseline does the equivalent work: disconnectSockets, then a broadcast to the others.
    const revOurs: number[] = [];
    const revHttp: number[] = [];
    const revBase: number[] = [];
    for (let i = 0; i < REMOVALS; i++) {
      seq++;
      const victim = victims[i]!;
      const socket = ours[i]!;
      const gone = new Promise<void>((r) => socket.once("disconnect", () => r()));
      let t0 = performance.now();
      const res = call(nodes[(i + 1) % 2]!, "DELETE", `/v1/orgs/${org.id}/members/${victim.userId}`, {
        token: owner.token,
      });
      await gone;
      revOurs.push(performance.now() - t0);
      await res;
      revHttp.push(performance.now() - t0);
      await audience.last("ours", seq);

      const baseSocket = base[i]!;
      const baseGone = new Promise<void>((r) => baseSocket.once("disconnect", () => r()));
      t0 = performance.now();
      const kick = fetch(`${baselines[(i + 1) % 2]!.url}/kick`, {
        method: "POST",
        body: JSON.stringify({ userId: victim.userId, event: { ...(sample as object), seq } }),
      });
      await baseGone;
      revBase.push(performance.now() - t0);
      await kick;
      await audience.last("baseline", seq);
    }

    closeAll(ours);
    closeAll(base);

    // (c) members holding SOCKETS_PER_HOLDER sockets each, half on each node; the DELETE goes to
    // either node in turn. The baseline: a bare adapter-wide disconnectSockets of the same sockets.
    const spread = (url: (node: number) => string, auth: (m: { userId: string; token: string }) => object) =>
      manySockets.flatMap((m) =>
        Array.from({ length: SOCKETS_PER_HOLDER }, (_, j) => ({
          url: url(j % 2),
          auth: { ...auth(m) },
          group: m.userId,
        })),
      );
    await holders.open(
      "ours",
      spread(
        (n) => `${nodes[n]!.url}/orgs/${org.id}`,
        (m) => ({ token: m.token }),
      ),
    );
    await holders.open(
      "baseline",
      spread(
        (n) => `${baselines[n]!.url}/orgs/baseline`,
        (m) => ({ userId: m.userId }),
      ),
    );
    const manyOurs: number[] = [];
    const manyHttp: number[] = [];
    const manyBase: number[] = [];
    for (let i = 0; i < HOLDERS; i++) {
      seq++;
      const member = manySockets[i]!;
      let t0 = now();
      const res = call(nodes[i % 2]!, "DELETE", `/v1/orgs/${org.id}/members/${member.userId}`, { token: owner.token });
      manyOurs.push((await holders.gone("ours", member.userId)) - t0);
      const answer = await res;
      manyHttp.push(now() - t0);
      if (answer.status !== 204) throw new Error(`DELETE member: ${answer.status}`);
      await audience.last("ours", seq);
      await holders.idle();

      t0 = now();
      const kick = fetch(`${baselines[i % 2]!.url}/kick`, {
        method: "POST",
        body: JSON.stringify({ userId: member.userId }),
      });
      manyBase.push((await holders.gone("baseline", member.userId)) - t0);
      await kick;
      await holders.idle();
    }

    const fanout = { ours: stats(fanOurs), baseline: stats(fanBase) };
    const revocation = { ours: stats(revOurs), oursHttpAnswered: stats(revHttp), baseline: stats(revBase) };
    const manyRevocation = { ours: stats(manyOurs), oursHttpAnswered: stats(manyHttp), baseline: stats(manyBase) };
    const result = {
      name: "realtime",
      at: new Date().toISOString(),
      sockets: SOCKETS,
      nodes: 2,
      fanout: {
        ...fanout,
        p50Ratio: ratio(fanout.ours.p50, fanout.baseline.p50),
        p99Ratio: ratio(fanout.ours.p99, fanout.baseline.p99),
      },
      revocation: {
        ...revocation,
        p50Ratio: ratio(revocation.ours.p50, revocation.baseline.p50),
        p99Ratio: ratio(revocation.ours.p99, revocation.baseline.p99),
      },
      revocationManySockets: {
        members: HOLDERS,
        socketsPerMember: SOCKETS_PER_HOLDER,
        ...manyRevocation,
        p50Ratio: ratio(manyRevocation.ours.p50, manyRevocation.baseline.p50),
        p99Ratio: ratio(manyRevocation.ours.p99, manyRevocation.baseline.p99),
      },
    };
    const path = writeResult("realtime", result);
    console.log(`\nRealtime, ${SOCKETS} sockets of one org over 2 nodes (ms; ratio = ours / baseline)`);
    console.table({
      "fan-out: Orgwire (HTTP send → last receipt)": { ...fanout.ours, ratioP50: "", ratioP99: "" },
      "fan-out: Socket.IO + redis-adapter": {
        ...fanout.baseline,
        ratioP50: result.fanout.p50Ratio,
        ratioP99: result.fanout.p99Ratio,
      },
      "revocation: Orgwire (DELETE send → disconnect)": { ...revocation.ours, ratioP50: "", ratioP99: "" },
      "revocation: Orgwire (DELETE send → HTTP answer)": { ...revocation.oursHttpAnswered, ratioP50: "", ratioP99: "" },
      "revocation: Socket.IO disconnectSockets": {
        ...revocation.baseline,
        ratioP50: result.revocation.p50Ratio,
        ratioP99: result.revocation.p99Ratio,
      },
      [`revocation, ${SOCKETS_PER_HOLDER} sockets/member: Orgwire (DELETE → last disconnect)`]: {
        ...manyRevocation.ours,
        ratioP50: "",
        ratioP99: "",
      },
      [`revocation, ${SOCKETS_PER_HOLDER} sockets/member: Orgwire (DELETE → HTTP answer)`]: {
        ...manyRevocation.oursHttpAnswered,
        ratioP50: "",
        ratioP99: "",
      },
      [`revocation, ${SOCKETS_PER_HOLDER} sockets/member: bare disconnectSockets`]: {
        ...manyRevocation.baseline,
        ratioP50: result.revocationManySockets.p50Ratio,
        ratioP99: result.revocationManySockets.p99Ratio,
      },
    });
    console.log(`written to ${path}`);
    return result;
  } finally {
    holders.close();
    audience.close();
    for (const n of nodes) await n.kill();
    for (const b of baselines) b.kill();
    await database.drop();
  }
}
