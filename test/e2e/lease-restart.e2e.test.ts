import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { createEmbeddedDb } from "../../src/db/client.js";
import { TEST_AUTH_SECRET, TEST_ROOT_KEY } from "../support/app.js";
import { createTestDb, type TestDb } from "../support/db.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";
import { pgAdmin, pgRole, pgTargetInputs, suffix } from "../integration/leases/targets.js";

// D26: a real `npm start` process is killed (SIGKILL: no shutdown hook runs) while it holds leases;
// their expiry passes while no server runs; the next start revokes them in the target within 5 s
// (with a cold KMS cache: on the embedded database this once deadlocked its single connection).

const DB = `lease_restart_${suffix()}`;
let testDb: TestDb | undefined;
let dataDir: string | undefined;
let server: ServerProcess | undefined;
const roles: string[] = [];

afterAll(async () => {
  if (server) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
  await testDb?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await pgAdmin(async (c) => {
    for (const role of roles) await c.query(`DROP ROLE IF EXISTS "${role}"`);
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });
});

async function api(base: string, method: string, url: string, token: string | undefined, body: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  expect(res.status, `${method} ${url}: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

test("leases due while no server ran are revoked within 5 s of the next start", async () => {
  await pgAdmin((c) => c.query(`CREATE DATABASE ${DB}`));
  const usePostgres = Boolean(process.env.TEST_DATABASE_URL);
  let env: Record<string, string>;
  if (usePostgres) {
    testDb = await createTestDb();
    env = { DATABASE_URL: testDb.url! };
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), "dsapi-restart-"));
    env = { DATA_DIR: dataDir };
  }
  // NODE_ENV=test: the target is our own PostgreSQL server, which D19 refuses in production.
  Object.assign(env, { NODE_ENV: "test", ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY, AUTH_SECRET: TEST_AUTH_SECRET, RATE_LIMIT_ENABLED: "false" });

  server = await startServerProcess(env);
  const base = server.baseUrl;
  const boot = await api(base, "POST", "/api/v1/admin/bootstrap", undefined, { email: "a@example.com", password: "correct horse", organization: "restart" });
  const token: string = boot.identity.credentials.token;
  await api(base, "POST", "/api/v2/workspace", token, { projectName: "restart", slug: "restart" });
  await api(base, "POST", "/api/v1/dynamic-secrets", token, {
    projectSlug: "restart",
    environmentSlug: "dev",
    name: "pg-ds",
    defaultTTL: "1h",
    provider: {
      type: "sql-database",
      inputs: pgTargetInputs(DB),
    },
  });
  for (let i = 0; i < 3; i += 1) {
    const { data } = await api(base, "POST", "/api/v1/dynamic-secrets/leases", token, { projectSlug: "restart", environmentSlug: "dev", dynamicSecretName: "pg-ds" });
    roles.push(data.DB_USERNAME);
  }
  for (const role of roles) expect(await pgRole(role)).toBeDefined();

  server.child.kill("SIGKILL");
  await server.exited;
  server = undefined;

  // Time passes while no server runs: the leases' expiry moves into the past.
  if (testDb) {
    await testDb.db.updateTable("dynamic_secret_leases").set({ expire_at: new Date(Date.now() - 1000) }).execute();
  } else {
    const handle = await createEmbeddedDb(dataDir);
    await handle.db.updateTable("dynamic_secret_leases").set({ expire_at: new Date(Date.now() - 1000) }).execute();
    await handle.db.destroy();
  }

  server = await startServerProcess(env);
  const deadline = Date.now() + 5_000;
  let remaining = roles.length;
  while (Date.now() < deadline) {
    remaining = 0;
    for (const role of roles) if (await pgRole(role)) remaining += 1;
    if (remaining === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(remaining, server.output()).toBe(0);

  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(0);
  server = undefined;
}, 240_000);
