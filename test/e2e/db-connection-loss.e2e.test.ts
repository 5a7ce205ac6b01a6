import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_AUTH_SECRET, TEST_ROOT_KEY } from "../support/app.js";
import { createTestDb, usingRealPostgres, type TestDb } from "../support/db.js";
import { expectWritesConsistent, seedLoadSecrets, startPatchLoad } from "../support/patch-load.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

// Issue 14: an `npm start` server on this file's database while the test ends the server's
// database sessions (pg_terminate_backend) under a PATCH load. Needs a PostgreSQL server (the
// PGlite run has none to end sessions on); the throwaway-cluster faults are in db-faults.e2e.

const CLIENTS = 8;
const ROUNDS = 7;

describe.runIf(usingRealPostgres())("database sessions ended under load", () => {
  let testDb: TestDb;
  let server: ServerProcess;
  let admin: pg.Client;

  beforeAll(async () => {
    testDb = await createTestDb();
    await testDb.db.destroy(); // the server process is the only user of this database
    server = await startServerProcess({
      DATABASE_URL: testDb.url!,
      ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY,
      AUTH_SECRET: TEST_AUTH_SECRET,
      RATE_LIMIT_ENABLED: "false",
    });
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    await testDb?.destroy();
  });

  test(`${ROUNDS} rounds of pg_terminate_backend under a ${CLIENTS}-client PATCH load: the process survives, only 200/503, no write lost or doubled`, async () => {
    const database = new URL(testDb.url!).pathname.slice(1);
    const { token, names } = await seedLoadSecrets(server.baseUrl, CLIENTS);
    const load = startPatchLoad(server.baseUrl, token, names);
    const terminated: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await new Promise((r) => setTimeout(r, 400));
      const { rows } = await admin.query<{ ended: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [database],
      );
      terminated.push(rows.filter((r) => r.ended).length);
    }
    await new Promise((r) => setTimeout(r, 400));
    const result = await load.stop();

    expect(server.child.exitCode).toBeNull();
    expect(result.unexpected).toEqual([]);
    // Every round found the server's sessions to end (else the test would prove nothing).
    expect(terminated.every((n) => n > 0)).toBe(true);
    await expectWritesConsistent(testDb.url!, result.tallies);
    // Still serving after the last round.
    expect((await fetch(`${server.baseUrl}/api/status`)).status).toBe(200);
    const sum = (k: "n200" | "n503" | "uncertainCommits") => result.tallies.reduce((s, t) => s + t[k], 0);
    console.info(`pg_terminate_backend: sessions ended per round ${terminated.join(",")}; PATCH 200s ${sum("n200")}, 503s ${sum("n503")}, uncertain commits ${sum("uncertainCommits")}`);
  }, 60_000);
});
