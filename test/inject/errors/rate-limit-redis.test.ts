import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { createTestDb, type TestDb } from "../../support/db.js";

// D38: with REDIS_URL the rate-limit counters are shared by every replica; a Redis outage never
// fails a request. Two apps on one database stand for two replicas; a trusted proxy (loopback)
// names the client, so every test counts under its own fresh client address.

const LIMIT = 3;
let testDb: TestDb;
const apps: TestApp[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await testDb.destroy();
});

async function replica(redisUrl: string): Promise<TestApp> {
  const t = await buildTestApp({
    env: { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_WRITE_PER_MINUTE: String(LIMIT), TRUST_PROXY: "loopback", REDIS_URL: redisUrl },
    testDb,
    extend: (app) => app.post("/api/test/limited", async () => ({ ok: true })),
  });
  apps.push(t);
  return t;
}

const freshClient = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const hit = (t: TestApp, client: string) =>
  t.app.inject({ method: "POST", url: "/api/test/limited", headers: { "x-forwarded-for": client } });

async function statusesAcross(replicas: TestApp[], client: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push((await hit(replicas[i % replicas.length]!, client)).statusCode);
  return out;
}

describe("a real Redis on 6379", () => {
  test("the limit holds across replicas: exactly the overflow is refused, whichever replica answers", async () => {
    const replicas = [await replica("redis://127.0.0.1:6379"), await replica("redis://127.0.0.1:6379")];
    const client = freshClient();
    expect(await statusesAcross(replicas, client, LIMIT + 3)).toEqual([200, 200, 200, 429, 429, 429]);
    // Concurrent requests too: the counter is one atomic INCR in Redis.
    const other = freshClient();
    const burst = await Promise.all(Array.from({ length: LIMIT + 5 }, (_, i) => hit(replicas[i % 2]!, other)));
    expect(burst.filter((r) => r.statusCode === 429)).toHaveLength(5);
    expect(burst.filter((r) => r.statusCode === 200)).toHaveLength(LIMIT);
  });
});

describe("Redis unavailable: every request is answered, none is counted", () => {
  test("an unreachable REDIS_URL (connection refused)", async () => {
    const t = await replica("redis://127.0.0.1:1");
    expect(await statusesAcross([t], freshClient(), LIMIT + 3)).toEqual(Array(LIMIT + 3).fill(200));
  });

  test("a Redis that accepts connections and never answers", async () => {
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    try {
      const t = await replica(`redis://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`);
      expect(await statusesAcross([t], freshClient(), LIMIT + 1)).toEqual(Array(LIMIT + 1).fill(200));
    } finally {
      for (const s of sockets) s.destroy();
      blackhole.close();
    }
  });

  test("Redis frozen, then stopped while serving, then started again: requests keep being answered, sharing resumes", async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    try {
      const replicas = [await replica(`redis://127.0.0.1:${port}`), await replica(`redis://127.0.0.1:${port}`)];
      expect(await statusesAcross(replicas, freshClient(), LIMIT + 1)).toEqual([200, 200, 200, 429]);

      // Frozen: connected, but no answer ever comes; each command gives up after its timeout.
      redis.kill("SIGSTOP");
      try {
        expect(await statusesAcross(replicas, freshClient(), LIMIT + 1)).toEqual(Array(LIMIT + 1).fill(200));
      } finally {
        redis.kill("SIGCONT");
      }

      await stopRedis(redis);
      expect(await statusesAcross(replicas, freshClient(), LIMIT + 3)).toEqual(Array(LIMIT + 3).fill(200));

      redis = await startRedis(port);
      // Each replica reconnects in the background; a probe is counted once its replica is back.
      for (const t of replicas) await waitUntil(async () => (await hit(t, freshClient())).headers["x-ratelimit-remaining"] === String(LIMIT - 1));
      expect(await statusesAcross(replicas, freshClient(), LIMIT + 1)).toEqual([200, 200, 200, 429]);
    } finally {
      await stopRedis(redis);
    }
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("data", (d) => {
          resolve(d.toString().startsWith("+PONG"));
          socket.destroy();
        });
        socket.once("connect", () => socket.write("PING\r\n"));
        socket.once("error", () => resolve(false));
      }),
  );
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** Polls until `check` holds; the test's own timeout bounds it. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
}
