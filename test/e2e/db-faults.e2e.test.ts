import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_AUTH_SECRET, TEST_ROOT_KEY } from "../support/app.js";
import { usingRealPostgres } from "../support/db.js";
import {
  call,
  expectUnavailableEnvelope,
  expectWritesConsistent,
  first200After,
  LOAD_LOCATOR,
  seedLoadSecrets,
  startPatchLoad,
} from "../support/patch-load.js";
import { startThrowawayCluster, type ShutdownMode, type ThrowawayCluster } from "../support/pg-cluster.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

// Issues 14 and 11 (item 4): an `npm start` server on a throwaway PostgreSQL cluster this file
// starts (and removes), which the tests restart and crash under a PATCH load. Runs in the
// PostgreSQL pass of the suite only: it needs the PostgreSQL server binaries, and on the PGlite
// pass it would repeat the very same test (the server under test talks to its own cluster).

const CLIENTS = 16;
// Issue 11 asks for ~20 s of load around a restart; CI runs ~3.5 s per restart (DB_FAULT_LOAD_MS=20000
// runs the long version).
const LOAD_MS = Number(process.env.DB_FAULT_LOAD_MS ?? 3_500);
const DB_CONNECTION_TIMEOUT_MS = 1_500;
const PASSWORD = "Pw-faults-s3cr3t";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(usingRealPostgres())("PostgreSQL restarts under load (throwaway cluster)", () => {
  let cluster: ThrowawayCluster;
  let server: ServerProcess;
  let token: string;
  let names: string[];

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
    server = await startServerProcess({
      DATABASE_URL: cluster.url(),
      ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY,
      AUTH_SECRET: TEST_AUTH_SECRET,
      RATE_LIMIT_ENABLED: "false",
      DB_CONNECTION_TIMEOUT_MS: String(DB_CONNECTION_TIMEOUT_MS),
    });
    ({ token, names } = await seedLoadSecrets(server.baseUrl, CLIENTS));
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    await cluster?.destroy();
  });

  test.each<ShutdownMode>(["fast", "immediate"])(
    `pg_ctl restart -m %s in the middle of a ${CLIENTS}-client PATCH load: survives, only 200/503, 200s again right after, no write lost, doubled or partial`,
    async (mode) => {
      const load = startPatchLoad(server.baseUrl, token, names);
      await sleep(LOAD_MS / 2);
      const restartedAt = Date.now();
      const backUp = cluster.backUpAt();
      await cluster.restart(mode);
      const upAt = await backUp;
      await sleep(LOAD_MS / 2);
      const result = await load.stop();

      expect(server.child.exitCode).toBeNull();
      expect(result.unexpected).toEqual([]);
      const n503 = result.answers.filter((a) => a.status === 503 && a.at >= restartedAt).length;
      expect(n503).toBeGreaterThan(0); // the restart was felt
      const first200 = first200After(result, upAt);
      expect(first200).toBeDefined();
      const recoveryMs = Math.max(0, first200! - upAt);
      // Issue 11's bar is 5 s; typically well under 1 s (the figure is printed below).
      expect(recoveryMs).toBeLessThan(5_000);
      await expectWritesConsistent(cluster.url(), result.tallies);
      const sum = (k: "n200" | "n503" | "uncertainCommits") => result.tallies.reduce((s, t) => s + t[k], 0);
      console.info(
        `restart -m ${mode}: down ${upAt - restartedAt} ms (restart issued → accepting connections), first 200 ${recoveryMs} ms after; ` +
          `PATCH 200s ${sum("n200")}, 503s ${sum("n503")}, uncertain commits ${sum("uncertainCommits")}`,
      );
    },
    60_000,
  );

  test("while PostgreSQL is down: 503 envelopes, at once when refused and within DB_CONNECTION_TIMEOUT_MS when it never answers; /api/status 503; 200s again within 5 s of it being back", async () => {
    const query = new URLSearchParams(LOAD_LOCATOR).toString();
    const requests: [string, string, unknown?][] = [
      ["PATCH", `/api/v1/dynamic-secrets/${names[0]}`, { ...LOAD_LOCATOR, data: { defaultTTL: "7m" } }],
      ["GET", `/api/v1/dynamic-secrets/${names[0]}?${query}`],
      ["GET", "/api/status"],
    ];
    const answerAll = () =>
      Promise.all(
        requests.map(async ([method, path, body]) => {
          const started = Date.now();
          const answer = await call(server.baseUrl, method, path, token, body);
          expect(answer.status).toBe(503);
          expectUnavailableEnvelope(answer.body);
          return Date.now() - started;
        }),
      );

    await cluster.stop("fast");
    const refusedMs = await answerAll();
    // A host that accepts connections and never answers (PostgreSQL hung, a black-holed network).
    const held: net.Socket[] = [];
    const hole = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => hole.listen(cluster.port, "127.0.0.1", resolve));
    const hungMs = await answerAll();
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => hole.close(resolve));
    // Never longer than the pool's connection timeout (plus slack for a loaded machine).
    for (const ms of [...refusedMs, ...hungMs]) expect(ms).toBeLessThan(DB_CONNECTION_TIMEOUT_MS + 3_000);

    const backUp = cluster.backUpAt();
    await cluster.start();
    const upAt = await backUp;
    let first200: number | undefined;
    while (first200 === undefined && Date.now() - upAt < 10_000) {
      const answer = await call(server.baseUrl, "PATCH", `/api/v1/dynamic-secrets/${names[0]}`, token, { ...LOAD_LOCATOR, data: { defaultTTL: "8m" } });
      if (answer.status === 200) first200 = Date.now();
      else await sleep(25);
    }
    expect(first200).toBeDefined();
    expect(first200! - upAt).toBeLessThan(5_000);
    expect(server.child.exitCode).toBeNull();
    console.info(
      `database down: 503 in ${refusedMs.join("/")} ms when refused, ${hungMs.join("/")} ms when hung (DB_CONNECTION_TIMEOUT_MS ${DB_CONNECTION_TIMEOUT_MS}); ` +
        `first 200 ${Math.max(0, first200! - upAt)} ms after the database accepted connections`,
    );
  }, 60_000);

  test("start-up while the database is down (D39): retries, one line per attempt, serves once it is up; no password in the output", async () => {
    await cluster.stop("fast");
    let secondAttemptFailed: () => void = () => undefined;
    const retrying = new Promise<void>((resolve) => (secondAttemptFailed = resolve));
    const starting = startServerProcess(
      {
        DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${cluster.port}/postgres`,
        ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY,
        AUTH_SECRET: TEST_AUTH_SECRET,
        DB_STARTUP_TIMEOUT_MS: "30000",
      },
      (output) => output.includes("not reachable (attempt 2: ") && secondAttemptFailed(),
    );
    await retrying;
    await cluster.start();
    const late = await starting;
    try {
      expect((await fetch(`${late.baseUrl}/api/status`)).status).toBe(200);
      const lines = late.output().trim().split("\n").map((line) => JSON.parse(line) as { level: number; msg: string });
      const where = `postgres://127.0.0.1:${cluster.port}/postgres`;
      const attempts = lines.filter((l) => l.msg.startsWith(`Database ${where} not reachable (attempt `));
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.every((l) => l.level === 40)).toBe(true);
      expect(lines.find((l) => l.msg === `Database ${where} reachable after ${attempts.length + 1} attempts`)).toBeDefined();
      expect(late.output()).not.toContain(PASSWORD);
    } finally {
      late.child.kill("SIGTERM");
      await late.exited;
    }
  }, 60_000);
});
