import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { TestApp } from "../../support/app.js";
import { buildTestApp } from "../../support/app.js";
import { createTestDb } from "../../support/db.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createIdentityWithToken, type IdentityWithToken } from "../../support/factories.js";
import { HOSTILE_STRINGS, pick, prng, randomValue, type Rand } from "../../support/fuzz.js";

// Seeded fuzzing of every set-up and auth route: random and hostile bodies, query strings and path
// parameters. Never a 5xx; every non-2xx is the envelope; a refused request changes no row (counts
// and contents of every table compared).

let t: TestApp;
let admin: BootstrappedInstance;
let project: { id: string; slug: string };
let member: IdentityWithToken;
const createdIdentities: string[] = [];
const sacrificialTokens: string[] = [];


beforeAll(async () => {
  ({ t, admin, project } = await buildAppWithProject("fuzz-proj"));
  member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer"], name: "fuzz-member", universalAuth: { accessTokenTTL: 3600, accessTokenMaxTTL: 864_000 } });
  for (let i = 0; i < 4; i += 1) {
    const login = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/universal-auth/login",
      payload: { clientId: member.clientId, clientSecret: member.clientSecret },
    });
    sacrificialTokens.push(login.json().accessToken);
  }
}, 60_000);
afterAll(async () => t?.close());

// Columns that requests are meant to touch even when refused: use counters and timestamps of
// tokens and secrets, lockout state after a failed login, a client secret revoked on expiry.
const VOLATILE = [
  "updated_at", "access_token_num_uses", "access_token_last_used_at", "last_login_at", "client_secret_num_uses",
  "client_secret_last_used_at", "is_client_secret_revoked", "lockout_failed_attempts", "lockout_window_started_at", "locked_until",
];

/** Per table: row count and a digest of every row's content (volatile columns left out). */
async function tableStates(db = t.testDb.db): Promise<Record<string, string>> {
  const tables = await existingTables(db);
  const volatile = sql`ARRAY[${sql.join(VOLATILE)}]::text[]`;
  const { rows } = await sql<Record<string, string>>`SELECT ${sql.join(
    tables.map(
      (table) =>
        sql`(SELECT count(*) || ':' || md5(coalesce(string_agg((to_jsonb(r) - ${volatile})::text, ',' ORDER BY (to_jsonb(r) - ${volatile})::text), ''))
             FROM ${sql.table(table)} r) AS ${sql.ref(table)}`,
    ),
  )}`.execute(db);
  return rows[0]!;
}

let tableCache: string[] | undefined;
/** Every table of the data model (the migrator's own excluded). */
async function existingTables(db = t.testDb.db): Promise<string[]> {
  if (tableCache) return tableCache;
  const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(db);
  tableCache = rows.map((r) => r.name).filter((name) => !name.startsWith("kysely_")).sort();
  return tableCache;
}

/** The contract of every refusal: exactly the envelope keys, status mirrored. */
function expectEnvelope(status: number, body: unknown, label: string): void {
  expect(body, label).toMatchObject({ reqId: expect.any(String), statusCode: status, error: expect.any(String) });
  const keys = Object.keys(body as object).sort();
  expect(keys, label).toEqual(expect.arrayContaining(["error", "message", "reqId", "statusCode"]));
  expect(keys.filter((k) => !["error", "message", "reqId", "statusCode", "details"].includes(k)), label).toEqual([]);
}

// Hostile path parameters: not uuids, over-long, NUL, malformed or odd percent-encoding, unicode.
const HOSTILE_IDS = [
  "not-a-uuid", "00000000-0000-0000-0000-000000000000", "a".repeat(100), "b".repeat(101), "%00", "a%00b", "%ZZ", "%C3%A9",
  "%F0%9F%92%A5", "%E2%80%AE", "..%2F..", "%20", "%27%3B%20DROP%20TABLE%20projects%3B--", "__proto__", "constructor", "null", "1",
];

const field = (rand: Rand, valid: unknown) => (rand() < 0.8 ? valid : randomValue(rand, 1));
const maybe = (rand: Rand, key: string, valid: unknown): Record<string, unknown> => (rand() < 0.85 ? { [key]: field(rand, valid) } : {});

function idParam(rand: Rand, valid: string[]): string {
  return rand() < 0.6 && valid.length > 0 ? pick(rand, valid) : pick(rand, HOSTILE_IDS);
}

function permissionRules(rand: Rand, v1 = false): unknown {
  if (rand() < 0.15) return randomValue(rand, 1);
  return Array.from({ length: Math.floor(rand() * 3) }, () => ({
    ...maybe(rand, "subject", pick(rand, v1 ? ["secrets", "environments", "member"] : ["dynamic-secrets", "secrets", "environments", "member"])),
    ...maybe(rand, "action", v1 ? ["read"] : pick(rand, [["read-root-credential"], "read", ["edit-root-credential", "lease"]])),
    ...(rand() < 0.5 ? { inverted: field(rand, false) } : {}),
    ...(rand() < 0.5
      ? { conditions: field(rand, { environment: field(rand, { $eq: field(rand, "dev") }), secretPath: field(rand, { $glob: field(rand, "/app/**") }) }) }
      : {}),
  }));
}

type Case = { method: "GET" | "POST" | "PATCH" | "DELETE"; url: string; body?: unknown };

/** Every route under test, each with a generator biased towards almost-valid input. */
const ROUTES: Array<(rand: Rand) => Case> = [
  (r) => ({
    method: "POST",
    url: "/api/v1/auth/universal-auth/login",
    body: { ...maybe(r, "clientId", member.clientId), ...maybe(r, "clientSecret", r() < 0.5 ? member.clientSecret : "f".repeat(64)) },
  }),
  (r) => ({ method: "POST", url: "/api/v1/auth/token/renew", body: { ...maybe(r, "accessToken", pick(r, [member.token, ...sacrificialTokens, `${member.token}x`, "a.b.c"])) } }),
  (r) => ({ method: "POST", url: "/api/v1/auth/token/revoke", body: { ...maybe(r, "accessToken", pick(r, [...sacrificialTokens, "a.b.c"])) } }),
  (r) => ({
    method: "POST",
    url: "/api/v1/identities",
    body: {
      ...maybe(r, "name", `fz-${Math.floor(r() * 1e6)}`),
      ...maybe(r, "organizationId", admin.orgId),
      ...maybe(r, "role", pick(r, ["no-access", "member", "admin"])),
      ...maybe(r, "hasDeleteProtection", false),
      ...maybe(r, "metadata", [{ key: field(r, "team"), value: field(r, "a") }]),
    },
  }),
  (r) => ({
    method: "POST",
    url: `/api/v1/auth/universal-auth/identities/${idParam(r, createdIdentities)}`,
    body: {
      ...maybe(r, "accessTokenTTL", 3600),
      ...maybe(r, "accessTokenMaxTTL", 7200),
      ...maybe(r, "accessTokenNumUsesLimit", 0),
      ...maybe(r, "clientSecretTrustedIps", [{ ipAddress: field(r, "0.0.0.0/0") }]),
      ...maybe(r, "accessTokenTrustedIps", [{ ipAddress: field(r, "::/0") }]),
      ...maybe(r, "lockoutEnabled", false),
    },
  }),
  (r) => ({ method: "GET", url: `/api/v1/auth/universal-auth/identities/${idParam(r, [member.identityId, ...createdIdentities])}` }),
  (r) => ({
    method: "PATCH",
    url: `/api/v1/auth/universal-auth/identities/${idParam(r, [member.identityId, ...createdIdentities])}`,
    body: {
      ...maybe(r, "accessTokenTTL", 3600),
      ...maybe(r, "accessTokenTrustedIps", [{ ipAddress: field(r, "10.0.0.0/8") }]),
      ...maybe(r, "lockoutThreshold", 5),
    },
  }),
  (r) => ({ method: "DELETE", url: `/api/v1/auth/universal-auth/identities/${idParam(r, createdIdentities)}` }),
  (r) => ({
    method: "POST",
    url: `/api/v1/auth/universal-auth/identities/${idParam(r, [member.identityId, ...createdIdentities])}/client-secrets`,
    body: r() < 0.1 ? randomValue(r, 0) : { ...maybe(r, "description", "ci"), ...maybe(r, "numUsesLimit", 3), ...maybe(r, "ttl", 60) },
  }),
  (r) => ({
    method: "POST",
    url: `/api/v1/auth/universal-auth/identities/${idParam(r, [member.identityId])}/client-secrets/${idParam(r, [])}/revoke`,
  }),
  (r) => ({
    method: "POST",
    url: "/api/v2/workspace",
    body: {
      ...maybe(r, "projectName", `fz-${Math.floor(r() * 1e6)}`),
      ...maybe(r, "projectDescription", "d"),
      ...(r() < 0.4 ? { slug: field(r, `fz-slug-${Math.floor(r() * 1e6)}`) } : {}),
      ...(r() < 0.3 ? { type: field(r, "secret-manager") } : {}),
      ...(r() < 0.2 ? { template: field(r, "default") } : {}),
      ...(r() < 0.2 ? { shouldCreateDefaultEnvs: field(r, true) } : {}),
      ...(r() < 0.1 ? { kmsKeyId: field(r, "k") } : {}),
    },
  }),
  (r) => ({
    method: "POST",
    url: `/api/v1/workspace/${idParam(r, [project.id])}/environments`,
    body: { ...maybe(r, "name", "QA"), ...maybe(r, "slug", `qa-${Math.floor(r() * 1e6)}`), ...(r() < 0.3 ? { position: field(r, 1) } : {}) },
  }),
  (r) => ({
    method: "POST",
    url: "/api/v1/folders",
    body: {
      ...maybe(r, "workspaceId", project.id),
      ...maybe(r, "environment", "dev"),
      ...maybe(r, "name", `f${Math.floor(r() * 1e6)}`),
      ...maybe(r, r() < 0.8 ? "path" : "directory", pick(r, ["/", "/a/b", "/a//b"])),
      ...(r() < 0.3 ? { description: field(r, "x") } : {}),
    },
  }),
  (r) => ({
    method: "GET",
    url: `/api/v1/folders?${query(r, { workspaceId: project.id, environment: "dev", path: "/" })}`,
  }),
  (r) => ({
    method: "POST",
    url: `/api/v2/workspace/${idParam(r, [project.id])}/roles`,
    body: {
      ...maybe(r, "slug", `role-${Math.floor(r() * 1e6)}`),
      ...maybe(r, "name", "R"),
      ...(r() < 0.3 ? { description: field(r, "d") } : {}),
      permissions: permissionRules(r),
    },
  }),
  (r) => ({
    method: "POST",
    url: `/api/v1/workspace/${idParam(r, [project.slug])}/roles`,
    body: { ...maybe(r, "slug", `v1-${Math.floor(r() * 1e6)}`), ...maybe(r, "name", "R1"), permissions: permissionRules(r, true) },
  }),
  (r) => ({
    method: pick(r, ["POST", "PATCH"] as const),
    url: `/api/v2/workspace/${idParam(r, [project.id])}/identity-memberships/${idParam(r, createdIdentities)}`,
    body:
      r() < 0.2
        ? { ...maybe(r, "role", "viewer") }
        : { roles: field(r, [{ ...maybe(r, "role", pick(r, ["viewer", "no-access", "admin", "nope"])), ...maybe(r, "isTemporary", false) }]) },
  }),
  (r) => ({ method: "DELETE", url: `/api/v2/workspace/${idParam(r, [project.id])}/identity-memberships/${idParam(r, createdIdentities)}` }),
  (r) => ({
    method: "POST",
    url: "/api/v2/identity-project-additional-privilege",
    body: {
      ...maybe(r, "identityId", r() < 0.5 ? member.identityId : pick(r, [...createdIdentities, "x"])),
      ...maybe(r, "projectId", project.id),
      ...(r() < 0.6 ? { slug: field(r, `p-${Math.floor(r() * 1e6)}`) } : {}),
      permissions: permissionRules(r),
      ...(r() < 0.3
        ? { type: field(r, { isTemporary: true, temporaryMode: field(r, "relative"), temporaryRange: field(r, "1h"), temporaryAccessStartTime: field(r, new Date().toISOString()) }) }
        : {}),
    },
  }),
  (r) => ({
    method: "GET",
    url: `/api/v1/organization/audit-logs?${query(r, {
      projectId: project.id,
      eventType: "create-identity",
      actorType: "identity",
      userAgentType: "other",
      eventMetadata: "a=b,c=d",
      startDate: "2026-01-01T00:00:00Z",
      endDate: "2026-02-01T00:00:00Z",
      offset: "0",
      limit: "10",
      actor: admin.identityId,
      environment: "dev",
      secretPath: "/",
    })}`,
  }),
];

const RAW_QUERY_VALUES = ["%00", "%ZZ", "a%00b", "%C3%A9", "-1", "1e400", "NaN", "99999999999999999999", "1.5", "", "%2C%2C", "%3D%3D", "x".repeat(3000)];

/** A query string: each key absent, valid, hostile (encoded), raw, or repeated (an array). */
function query(rand: Rand, valid: Record<string, string>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(valid)) {
    const roll = rand();
    if (roll < 0.3) continue;
    if (roll < 0.6) parts.push(`${key}=${encodeURIComponent(value)}`);
    else if (roll < 0.8) parts.push(`${key}=${encodeURIComponent(pick(rand, HOSTILE_STRINGS).slice(0, 4000).replace(/[\ud800-\udfff]/g, "\ufffd"))}`);
    else if (roll < 0.93) parts.push(`${key}=${pick(rand, RAW_QUERY_VALUES)}`);
    else parts.push(`${key}=a`, `${key}=b`);
  }
  if (rand() < 0.1) parts.push(`${pick(rand, ["__proto__[x]", "constructor", "%00", "a[b][c]"])}=1`);
  return parts.join("&");
}

function headersFor(rand: Rand): Record<string, string> {
  const roll = rand();
  if (roll < 0.8) return bearer(admin.token);
  if (roll < 0.88) return bearer(member.token);
  if (roll < 0.93) return {};
  return { authorization: pick(rand, ["Bearer ", "Bearer a.b.c", "Basic Zm9vOmJhcg==", `Bearer ${admin.token}x`, "Bearer st.x.y"]) };
}

test("1500 seeded random requests over the set-up and auth routes: envelopes, never a 5xx, refusals change nothing", async () => {
  const rand = prng(Number(process.env.FUZZ_SEED ?? 20261128));
  const seen = new Map<number, number>();
  let before = await tableStates();
  for (let i = 0; i < Number(process.env.FUZZ_N ?? 1500); i += 1) {
    const c = pick(rand, ROUTES)(rand);
    let raw = c.body === undefined ? undefined : (JSON.stringify(c.body) ?? "null");
    if (raw && rand() < 0.04) raw = raw.replace("{", '{"__proto__":{"polluted":1},');
    if (raw && rand() < 0.03) raw = raw.slice(0, Math.floor(raw.length / 2));
    const res = await t.app.inject({
      method: c.method,
      url: c.url,
      headers: { ...headersFor(rand), ...(raw !== undefined ? { "content-type": "application/json" } : {}) },
      ...(raw !== undefined ? { payload: raw } : {}),
    });
    const label = `case ${i}: ${c.method} ${c.url.slice(0, 200)} ${raw?.slice(0, 300) ?? ""} → ${res.statusCode} ${res.body.slice(0, 300)}`;
    seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
    expect(res.statusCode, label).toBeLessThan(500);
    const after = await tableStates();
    if (res.statusCode >= 300) {
      expectEnvelope(res.statusCode, res.json(), label);
      // The one refusal that writes: renewing past the max TTL deletes the token (spec §A.6.4).
      const purged = res.statusCode === 401 && c.url === "/api/v1/auth/token/renew";
      expect(after, label).toEqual(purged ? { ...before, identity_access_tokens: after.identity_access_tokens } : before);
    } else if (c.url === "/api/v1/identities") {
      createdIdentities.push(res.json().identity.id);
    }
    before = after;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }
  expect([...seen.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 401, 403, 404, 422]));
}, Number(process.env.FUZZ_TIMEOUT_MS ?? 240_000)); // `npm run fuzz` (bench/fuzz.ts) runs it at scale

test("bootstrap: hostile bodies on a fresh instance never 5xx and change nothing until one succeeds", async () => {
  const db = await createTestDb();
  const fresh = await buildTestApp({ testDb: db });
  try {
    const rand = prng(Number(process.env.FUZZ_SEED ?? 777));
    const emails = ["admin@example.com", `${"a".repeat(250)}@example.com`, "a\u0000b@example.com", "é@example.com", " x@y.io "];
    let bootstrapped = false;
    for (let i = 0; i < 120; i += 1) {
      const body =
        rand() < 0.1
          ? randomValue(rand, 0)
          : {
              ...maybe(rand, "email", pick(rand, emails)),
              ...maybe(rand, "password", pick(rand, ["pw", "\u0000", "x".repeat(70_000)])),
              ...maybe(rand, "organization", pick(rand, ["acme", "a".repeat(300), "a\u0000b", "💥", " "])),
            };
      const before = await tableStates(db.db);
      const res = await fresh.app.inject({ method: "POST", url: "/api/v1/admin/bootstrap", payload: JSON.stringify(body) ?? "null", headers: { "content-type": "application/json" } });
      const label = `case ${i}: ${JSON.stringify(body)?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, label).toBeLessThan(500);
      if (res.statusCode === 200) {
        expect(bootstrapped, label).toBe(false);
        bootstrapped = true;
        continue;
      }
      expectEnvelope(res.statusCode, res.json(), label);
      expect(await tableStates(db.db), label).toEqual(before);
    }
  } finally {
    await fresh.close();
    await db.destroy();
  }
}, 120_000);
