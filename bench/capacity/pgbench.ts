/** pgbench: the same transaction shape as a mutation, on the same tables. */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WARMUP_SECONDS, WRITERS } from "./config.js";
import type { Slice } from "./load.js";

// bench_targets (made by seed()) maps n to an org, its project and the writer; the first statement
// locks the head and reads the writer's role in one round trip, as the node does.
const PGBENCH_SCRIPT = (target: string) => `\\set n ${target}
BEGIN;
SELECT t.org_id AS org, t.project_id AS project, t.user_id AS uid, h.seq AS seq, h.hash AS hash, m.role AS role FROM bench_targets t JOIN event_heads h ON h.org_id = t.org_id JOIN orgs o ON o.id = h.org_id LEFT JOIN memberships m ON m.org_id = h.org_id AND m.user_id = t.user_id WHERE t.n = :n AND o.deleted_at IS NULL FOR UPDATE OF h \\gset
INSERT INTO resources (id, org_id, project_id, type, name, config) VALUES (gen_random_uuid(), :org::uuid, :project::uuid, 'vps', 'bench-vps', '{"image": "debian-12", "plan": "s1", "region": "eu-west", "sshKeys": []}'::jsonb);
WITH appended AS (INSERT INTO events (id, org_id, seq, type, occurred_at, actor_type, actor_id, actor_email, project_id, target_type, target_id, subject_user_id, owner_only, data, context, prev_hash, hash) VALUES (gen_random_uuid(), :org::uuid, :seq::bigint + 1, 'resource.created', date_trunc('milliseconds', now()), 'user', :uid::text, 'bench@example.com', :project::uuid, 'resource', gen_random_uuid()::text, NULL, false, '{"type": "vps", "name": "bench-vps", "config": {"image": "debian-12", "plan": "s1", "region": "eu-west", "sshKeys": []}}'::jsonb, '{"ip": "127.0.0.1", "userAgent": "pgbench", "requestId": "pgbench"}'::jsonb, :hash::text, md5(:hash::text || :seq::text)) RETURNING seq) UPDATE event_heads SET seq = :seq::bigint + 1, hash = md5(:hash::text || :seq::text) WHERE org_id = :org::uuid AND EXISTS (SELECT 1 FROM appended);
END;
`;

export function runPgbench(databaseUrl: string, target: string, seconds: number): Promise<Slice> {
  const dir = mkdtempSync(join(tmpdir(), "orgwire-pgbench-"));
  const script = join(dir, "mutation.sql");
  writeFileSync(script, PGBENCH_SCRIPT(target));
  const url = new URL(databaseUrl);
  const args = ["-n", "-c", String(WRITERS), "-j", "2", "-T", String(seconds + WARMUP_SECONDS), "-M", "prepared"];
  args.push("-f", script, "-l", "--log-prefix", join(dir, "tx"), "-h", url.hostname, "-p", url.port || "5432");
  args.push("-U", decodeURIComponent(url.username || "postgres"), url.pathname.slice(1));
  const startedAt = Date.now() / 1000;
  return new Promise((resolve, reject) => {
    execFile("pgbench", args, { cwd: dir }, (err, stdout, stderr) => {
      try {
        if (err) throw new Error(`pgbench failed: ${err.message}\n${stdout}\n${stderr}`);
        const from = startedAt + WARMUP_SECONDS;
        const end = from + seconds;
        const latencies: number[] = [];
        let failed = 0;
        for (const file of readdirSync(dir).filter((f) => f.startsWith("tx."))) {
          for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
            const f = line.split(" ");
            if (f.length < 6) continue;
            if (f[2] === "failed" || f[2] === "skipped") {
              failed++;
              continue;
            }
            const doneAt = Number(f[4]) + Number(f[5]) / 1e6;
            const latencyMs = Number(f[2]) / 1000;
            if (doneAt - latencyMs / 1000 >= from && doneAt <= end) latencies.push(latencyMs);
          }
        }
        resolve({ latencies, seconds, errors: failed });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
