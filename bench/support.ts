import { mkdirSync, writeFileSync } from "node:fs";
import { io, type Socket } from "socket.io-client";

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles, in ms with two decimals. */
export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: round(at(50)),
    p99: round(at(99)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    max: round(sorted.at(-1) ?? NaN),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `count` websocket clients, `batch` at a time, each resolved on its `ready`. */
export async function openSockets(
  count: number,
  make: (i: number) => { url: string; auth: Record<string, unknown> },
  batch = 100,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let start = 0; start < count; start += batch) {
    const group = await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, (_, j) => {
        const { url, auth } = make(start + j);
        const socket = io(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
        return new Promise<Socket>((resolve, reject) => {
          socket.once("ready", () => resolve(socket));
          socket.once("connect_error", reject);
        });
      }),
    );
    sockets.push(...group);
  }
  return sockets;
}

export function writeResult(name: string, result: unknown): string {
  const dir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${name}.json`;
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export const ratio = (ours: number, baseline: number) => Math.round((ours / baseline) * 100) / 100;
