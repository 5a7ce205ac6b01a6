import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NUL_CHARACTER_MESSAGE, VALUE_TOO_LONG_MESSAGE } from "../../../src/http/error-handler.js";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { createTestDb } from "../../support/db.js";
import { bearer, bootstrapInstance, type BootstrappedInstance, buildAppWithProject } from "../../support/factories.js";

// Values no column can hold (longer than a varchar(n), or carrying NUL) on every create route:
// a 422 envelope, never a 500, and the whole write rolled back.

let t: TestApp;
let admin: BootstrappedInstance;
let project: { id: string; slug: string };
let identityId: string;

beforeAll(async () => {
  ({ t, admin, project } = await buildAppWithProject("long-proj"));
  const identity = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: "long-member", organizationId: admin.orgId },
  });
  identityId = identity.json().identity.id;
});
afterAll(async () => t?.close());

const tooLong = { reqId: expect.any(String), statusCode: 422, message: VALUE_TOO_LONG_MESSAGE, error: "ValidationFailure" };
const withNul = { reqId: expect.any(String), statusCode: 422, message: NUL_CHARACTER_MESSAGE, error: "ValidationFailure" };
const LONG = "n".repeat(256);
// ms() reads this as one hour; it is 65 characters long, for a varchar(64) column.
const LONG_RANGE = `${"0".repeat(63)}1h`;
const START = "2026-01-01T00:00:00.000Z";

async function rowCounts(db = t.testDb.db): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%' ORDER BY 1`.execute(db);
  const counts = await sql<Record<string, string>>`SELECT ${sql.join(rows.map((r) => sql`(SELECT count(*) FROM ${sql.table(r.name)}) AS ${sql.ref(r.name)}`))}`.execute(db);
  return Object.fromEntries(Object.entries(counts.rows[0]!).map(([k, v]) => [k, Number(v)]));
}

type Case = [label: string, method: "POST" | "PATCH", url: () => string, body: () => object, expected: object];

const CASES: Case[] = [
  ["identity name", "POST", () => "/api/v1/identities", () => ({ name: LONG, organizationId: admin.orgId }), tooLong],
  ["identity name with NUL", "POST", () => "/api/v1/identities", () => ({ name: "a\u0000b", organizationId: admin.orgId }), withNul],
  ["identity metadata key", "POST", () => "/api/v1/identities", () => ({ name: "ok", organizationId: admin.orgId, metadata: [{ key: LONG, value: "v" }] }), tooLong],
  ["project name (envs, folders, membership rolled back)", "POST", () => "/api/v2/workspace", () => ({ projectName: LONG }), tooLong],
  ["project description with NUL", "POST", () => "/api/v2/workspace", () => ({ projectName: "p", projectDescription: "a\u0000" }), withNul],
  ["environment name", "POST", () => `/api/v1/workspace/${project.id}/environments`, () => ({ name: LONG, slug: "qa" }), tooLong],
  ["folder name (parents rolled back)", "POST", () => "/api/v1/folders", () => ({ workspaceId: project.id, environment: "dev", path: "/new/parents", name: LONG }), tooLong],
  ["folder description with NUL", "POST", () => "/api/v1/folders", () => ({ workspaceId: project.id, environment: "dev", path: "/", name: "f", description: "\u0000" }), withNul],
  ["role name", "POST", () => `/api/v2/workspace/${project.id}/roles`, () => ({ slug: "long-role", name: LONG, permissions: [] }), tooLong],
  ["v1 role name", "POST", () => `/api/v1/workspace/${project.slug}/roles`, () => ({ slug: "long-role-v1", name: LONG, permissions: [] }), tooLong],
  [
    "role condition with NUL (jsonb)",
    "POST",
    () => `/api/v2/workspace/${project.id}/roles`,
    () => ({ slug: "nul-role", name: "n", permissions: [{ subject: "dynamic-secrets", action: ["lease"], conditions: { environment: "a\u0000" } }] }),
    withNul,
  ],
  [
    "membership temporaryRange",
    "POST",
    () => `/api/v2/workspace/${project.id}/identity-memberships/${identityId}`,
    () => ({ roles: [{ role: "no-access" }, { role: "viewer", isTemporary: true, temporaryMode: "relative", temporaryRange: LONG_RANGE, temporaryAccessStartTime: START }] }),
    tooLong,
  ],
  [
    "privilege temporaryRange",
    "POST",
    () => "/api/v2/identity-project-additional-privilege",
    () => ({
      identityId: admin.identityId,
      projectId: project.id,
      permissions: [{ subject: "dynamic-secrets", action: ["lease"] }],
      type: { isTemporary: true, temporaryMode: "relative", temporaryRange: LONG_RANGE, temporaryAccessStartTime: START },
    }),
    tooLong,
  ],
];

describe("create routes", () => {
  test.each(CASES)("%s → 422, nothing written", async (_label, method, url, body, expected) => {
    const before = await rowCounts();
    const response = await t.app.inject({ method, url: url(), headers: bearer(admin.token), payload: body() });
    expect(response.json()).toEqual(expected);
    expect(response.statusCode).toBe(422);
    expect(await rowCounts()).toEqual(before);
  });
});

const BIG = 3_000_000_000;
const tooBig = (path: string, maximum: number) => ({
  reqId: expect.any(String),
  statusCode: 422,
  message: [expect.objectContaining({ code: "too_big", maximum, path: [path] })],
  error: "ValidationFailure",
});
const farRange = (kind: string) => ({
  reqId: expect.any(String),
  statusCode: 400,
  message: `Temporary ${kind} must have access start time and range`,
  error: "BadRequest",
});

describe("numbers and dates past their column's range", () => {
  const ua = (suffix = "") => `/api/v1/auth/universal-auth/identities/${identityId}${suffix}`;
  const NUMBER_CASES: Case[] = [
    ["UA attach accessTokenNumUsesLimit", "POST", () => ua(), () => ({ accessTokenNumUsesLimit: BIG }), tooBig("accessTokenNumUsesLimit", 2_147_483_647)],
    ["UA attach accessTokenPeriod", "POST", () => ua(), () => ({ accessTokenPeriod: BIG }), tooBig("accessTokenPeriod", 2_147_483_647)],
    ["environment position", "POST", () => `/api/v1/workspace/${project.id}/environments`, () => ({ name: "Far", slug: "far", position: 2_147_483_647 }), tooBig("position", 1_000_000)],
    [
      "membership temporaryRange ending after the last date",
      "POST",
      () => `/api/v2/workspace/${project.id}/identity-memberships/${identityId}`,
      () => ({ roles: [{ role: "no-access" }, { role: "viewer", isTemporary: true, temporaryMode: "relative", temporaryRange: "1000000y", temporaryAccessStartTime: START }] }),
      farRange("role"),
    ],
    [
      "privilege temporaryRange ending after the last date",
      "POST",
      () => "/api/v2/identity-project-additional-privilege",
      () => ({
        identityId: admin.identityId,
        projectId: project.id,
        permissions: [{ subject: "dynamic-secrets", action: ["lease"] }],
        type: { isTemporary: true, temporaryMode: "relative", temporaryRange: "1000000y", temporaryAccessStartTime: START },
      }),
      farRange("privilege"),
    ],
  ];

  test.each(NUMBER_CASES)("%s → refused, nothing written", async (_label, method, url, body, expected) => {
    const before = await rowCounts();
    const response = await t.app.inject({ method, url: url(), headers: bearer(admin.token), payload: body() });
    expect(response.json()).toEqual(expected);
    expect(await rowCounts()).toEqual(before);
  });

  test("UA PATCH and client secrets: counters past int4 → 422, nothing changed", async () => {
    await t.app.inject({ method: "POST", url: ua(), headers: bearer(admin.token), payload: {} });
    const stored = await t.testDb.db.selectFrom("identity_universal_auths").selectAll().where("identity_id", "=", identityId).executeTakeFirstOrThrow();
    for (const [field, url] of [
      ["accessTokenNumUsesLimit", ua()],
      ["accessTokenPeriod", ua()],
    ] as const) {
      const response = await t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { [field]: BIG } });
      expect(response.json()).toEqual(tooBig(field, 2_147_483_647));
    }
    const secret = await t.app.inject({ method: "POST", url: ua("/client-secrets"), headers: bearer(admin.token), payload: { numUsesLimit: BIG } });
    expect(secret.json()).toEqual(tooBig("numUsesLimit", 2_147_483_647));
    expect(await t.testDb.db.selectFrom("identity_universal_auths").selectAll().where("identity_id", "=", identityId).executeTakeFirstOrThrow()).toEqual(stored);
    expect(await t.testDb.db.selectFrom("identity_ua_client_secrets").select("id").where("identity_ua_id", "=", stored.id).execute()).toEqual([]);
  });

  test("the largest accepted environment position leaves room for later ones", async () => {
    const at = (slug: string, position?: number) =>
      t.app.inject({ method: "POST", url: `/api/v1/workspace/${project.id}/environments`, headers: bearer(admin.token), payload: { name: slug, slug, position } });
    expect((await at("far-end", 1_000_000)).statusCode).toBe(200);
    const next = await at("after-far-end");
    expect(next.statusCode).toBe(200);
    expect(next.json().environment.position).toBe(1_000_001);
  });
});

describe("lookups", () => {
  test("GET /api/v1/folders with NUL in the environment → 422", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/v1/folders?workspaceId=${project.id}&environment=a%00b&path=%2F`,
      headers: bearer(admin.token),
    });
    expect(response.json()).toEqual(withNul);
  });
});

describe("bootstrap", () => {
  test.each([
    ["organization name", LONG, tooLong],
    ["organization name with NUL", "a\u0000b", withNul],
  ])("%s → 422, instance still uninitialized", async (_label, organization, expected) => {
    const db = await createTestDb();
    const fresh = await buildTestApp({ testDb: db });
    try {
      const response = await fresh.app.inject({
        method: "POST",
        url: "/api/v1/admin/bootstrap",
        payload: { email: "admin@example.com", password: "pw", organization },
      });
      expect(response.json()).toEqual(expected);
      expect(await rowCounts(db.db)).toEqual(expect.objectContaining({ instance_settings: 0, users: 0, organizations: 0, identities: 0 }));
      // The failed attempt did not claim the instance: a valid one still succeeds.
      await bootstrapInstance(fresh.app);
    } finally {
      await fresh.close();
      await db.destroy();
    }
  });
});
