import { randomInt } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_AUTH_SECRET, TEST_ROOT_KEY } from "../support/app.js";
import { createTestDb, usingRealPostgres, type TestDb } from "../support/db.js";
import { envelope } from "../support/envelope.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

// D36: three real server processes (npm start's entry) on one PostgreSQL database, requests spread
// across them. Nothing may be lost between processes, and nothing one replica changes (a revoked
// token, a role taken away) may go unseen by another on its very next request. With REDIS_URL the
// write limit holds across replicas (D38). Replicas need a shared PostgreSQL: this file runs in the
// suite's PostgreSQL run (TEST_DATABASE_URL), as CI does.

const WRITE_LIMIT = 100;
let testDb: TestDb;
let replicas: ServerProcess[] = [];
let admin: string;
let projectId: string;
const PROJECT = "replicas";
/** A trusted proxy (loopback) names the client: each test counts under its own address. */
const clientBase = `10.${randomInt(256)}.${randomInt(256)}`;
let clients = 0;
const newClient = () => `${clientBase}.${(clients += 1)}`;

type Answer = { status: number; body: any };

async function api(replica: number, method: string, path: string, body?: unknown, token = admin, client = "10.255.255.1"): Promise<Answer> {
  const res = await fetch(`${replicas[replica % replicas.length]!.baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      "x-forwarded-for": client,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const where = { projectSlug: PROJECT, environmentSlug: "dev", path: "/" };
const patch = (replica: number, name: string, data: unknown, client?: string) =>
  api(replica, "PATCH", `/api/v1/dynamic-secrets/${name}`, { ...where, data }, admin, client);
const listAs = (replica: number, token: string) =>
  api(replica, "GET", `/api/v1/dynamic-secrets?projectSlug=${PROJECT}&environmentSlug=dev&path=/`, undefined, token);

async function createTotp(name: string): Promise<void> {
  const res = await api(0, "POST", "/api/v1/dynamic-secrets", {
    ...where,
    name,
    provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
    defaultTTL: "1h",
    maxTTL: "24h",
  });
  expect(res.status).toBe(200);
}

/** An identity with `role` in the project, and its access token (all through replica 0). */
async function identityWithRole(role: string): Promise<{ identityId: string; token: string }> {
  const identity = await api(0, "POST", "/api/v1/identities", { name: `rep-${randomInt(1e9)}`, organizationId: orgId });
  const identityId: string = identity.body.identity.id;
  const ua = await api(0, "POST", `/api/v1/auth/universal-auth/identities/${identityId}`, { lockoutEnabled: false });
  const secret = await api(0, "POST", `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`, {});
  const membership = await api(0, "POST", `/api/v2/workspace/${projectId}/identity-memberships/${identityId}`, {
    roles: [{ role, isTemporary: false }],
  });
  expect(membership.status).toBe(200);
  const login = await api(0, "POST", "/api/v1/auth/universal-auth/login", {
    clientId: ua.body.identityUniversalAuth.clientId,
    clientSecret: secret.body.clientSecret,
  }, "");
  expect(login.status).toBe(200);
  return { identityId, token: login.body.accessToken };
}

let orgId: string;

describe.runIf(usingRealPostgres())("three replicas on one PostgreSQL", () => {
  beforeAll(async () => {
    testDb = await createTestDb();
    const env = {
      DATABASE_URL: testDb.url!,
      ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY,
      AUTH_SECRET: TEST_AUTH_SECRET,
      NODE_ENV: "test",
      TRUST_PROXY: "loopback",
      REDIS_URL: "redis://127.0.0.1:6379",
      RATE_LIMIT_WRITE_PER_MINUTE: String(WRITE_LIMIT),
    };
    const started = await Promise.allSettled([0, 1, 2].map(() => startServerProcess(env)));
    replicas = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;

    const boot = await api(0, "POST", "/api/v1/admin/bootstrap", { email: "r@example.com", password: "replica-password", organization: "rep" }, "");
    admin = boot.body.identity.credentials.token;
    orgId = boot.body.organization.id;
    const project = await api(1, "POST", "/api/v2/workspace", { projectName: "Replicas", slug: PROJECT });
    projectId = project.body.project.id;
  }, 240_000);

  afterAll(async () => {
    await Promise.all(
      replicas.map(async (r) => {
        r.child.kill("SIGTERM");
        await r.exited;
      }),
    );
    await testDb?.destroy();
  }, 60_000);

  test("60 concurrent partial PATCHes of different input keys: all land, each answer is the state of its version, version = 61", async () => {
    await createTotp("busy");
    const client = newClient();
    // Each PATCH sets one of three keys to a value no other PATCH writes.
    const change = (i: number): Record<string, unknown> =>
      i % 3 === 0 ? { period: 1000 + i } : i % 3 === 1 ? { digits: 2000 + i } : { secret: `JBSWY3DPEHPK3PX${"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[i % 32]}${i}` };
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => patch(i, "busy", { inputs: change(i) }, client)));
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));

    // Replay the writes in version order: every answer must show all earlier writes (no lost update).
    const byVersion = answers.map((a, i) => ({ version: a.body.dynamicSecret.version as number, i, inputs: a.body.dynamicSecret.inputs }));
    byVersion.sort((a, b) => a.version - b.version);
    expect(byVersion.map((a) => a.version)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
    let state: Record<string, unknown> = { configType: "manual", secret: "JBSWY3DPEHPK3PXP" };
    for (const a of byVersion) {
      state = { ...state, ...change(a.i) };
      expect(a.inputs, `version ${a.version}`).toEqual(state);
    }
    const stored = await api(2, "GET", `/api/v1/dynamic-secrets/busy?projectSlug=${PROJECT}&environmentSlug=dev&path=/`);
    expect(stored.body.dynamicSecret).toMatchObject({ version: 61, inputs: state });
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_logs
      WHERE event_type = 'update-dynamic-secret' AND event_metadata->>'dynamicSecretName' = 'busy'`.execute(testDb.db);
    expect(rows[0]!.n).toBe(60);
  });

  test("20 racing renames of 20 secrets to one name: exactly one 200, the rest the conflict 400", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `ren-${i}`);
    for (const name of names) await createTotp(name);
    const client = newClient();
    const answers = await Promise.all(names.map((name, i) => patch(i, name, { newName: "ren-target" }, client)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((a) => a.status !== 200)) {
      expect(a.body).toEqual(envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder"));
    }
    const { rows } = await sql<{ name: string }>`SELECT name FROM dynamic_secrets WHERE name LIKE 'ren-%'`.execute(testDb.db);
    expect(rows).toHaveLength(20);
    expect(rows.filter((r) => r.name === "ren-target")).toHaveLength(1);
  });

  test("PATCHes racing a DELETE on other replicas: only 200 or 404, and the secret is gone", async () => {
    const client = newClient();
    for (let round = 0; round < 4; round += 1) {
      const name = `doomed-${round}`;
      await createTotp(name);
      const patches = Array.from({ length: 8 }, (_, i) => patch(i, name, { defaultTTL: `${2 + i}h` }, client));
      const del = api(round, "DELETE", `/api/v1/dynamic-secrets/${name}`, where, admin, client);
      const [deleted, ...patched] = await Promise.all([del, ...patches]);
      expect(deleted!.status).toBe(200);
      for (const p of patched) {
        if (p.status === 200) continue;
        expect(p.body).toEqual(envelope(404, "NotFound", `Dynamic secret with name '${name}' in folder '/' not found`));
      }
      for (let r = 0; r < 3; r += 1) {
        expect((await api(r, "GET", `/api/v1/dynamic-secrets/${name}?projectSlug=${PROJECT}&environmentSlug=dev&path=/`)).status).toBe(404);
      }
    }
  });

  test("a token revoked on replica A is refused by B and C on their very next request", async () => {
    const { token } = await identityWithRole("viewer");
    // B and C have just accepted it (anything they keep about it is warm).
    expect((await listAs(1, token)).status).toBe(200);
    expect((await listAs(2, token)).status).toBe(200);
    const revoke = await api(0, "POST", "/api/v1/auth/token/revoke", { accessToken: token }, "");
    expect(revoke.status).toBe(200);
    for (const r of [1, 2]) {
      expect((await listAs(r, token)).body, `replica ${r}`).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
    }
  });

  test("a role taken away on replica A is enforced by B and C on their very next request", async () => {
    const { identityId, token } = await identityWithRole("admin");
    const edit = (r: number) =>
      api(r, "PATCH", "/api/v1/dynamic-secrets/busy", { ...where, data: { defaultTTL: `${3 + r}h` } }, token, newClient());
    expect((await edit(1)).status).toBe(200);
    expect((await edit(2)).status).toBe(200);
    const demoted = await api(0, "PATCH", `/api/v2/workspace/${projectId}/identity-memberships/${identityId}`, {
      roles: [{ role: "viewer", isTemporary: false }],
    });
    expect(demoted.status).toBe(200);
    for (const r of [1, 2]) {
      const refused = await edit(r);
      expect(refused.body, `replica ${r}`).toMatchObject({
        statusCode: 403,
        error: "PermissionDenied",
        message: "You are not allowed to edit-root-credential on dynamic-secrets",
      });
    }
  });

  test(`with REDIS_URL the write limit holds across replicas: ${WRITE_LIMIT} + 10 requests → exactly 10 answered 429`, async () => {
    const client = newClient();
    // Validation failures are counted (D16) and cost nothing else.
    const answers = await Promise.all(
      Array.from({ length: WRITE_LIMIT + 10 }, (_, i) => patch(i, "busy", { defaultTTL: "1s" }, client)),
    );
    expect(answers.filter((a) => a.status === 422)).toHaveLength(WRITE_LIMIT);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(10);
    for (const a of limited) {
      expect(a.body).toEqual(envelope(429, "RateLimitExceeded", expect.stringMatching(/^Rate limit exceeded\. Please try again in \d+ seconds$/)));
    }
  });
});
