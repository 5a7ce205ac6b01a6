import { afterAll, beforeAll, expect, test } from "vitest";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createProject } from "../../support/factories.js";

// Concurrent set-up writes: each one either lands whole or is refused with an envelope, never a 500.

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t?.close());

test("environments created concurrently in one project all land, at distinct positions", async () => {
  const project = await createProject(t.app, admin.token, { slug: "conc-envs" });
  const responses = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/workspace/${project.id}/environments`,
        headers: bearer(admin.token),
        payload: { name: `Env ${i}`, slug: `env-${i}`, ...(i % 2 === 0 ? { position: 1 } : {}) },
      }),
    ),
  );
  expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
  const rows = await t.testDb.db.selectFrom("project_environments").select(["slug", "position"]).where("project_id", "=", project.id).orderBy("position").execute();
  expect(rows).toHaveLength(11);
  expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  const folders = await t.testDb.db
    .selectFrom("secret_folders")
    .innerJoin("project_environments", "project_environments.id", "secret_folders.env_id")
    .select("secret_folders.id")
    .where("project_environments.project_id", "=", project.id)
    .where("secret_folders.parent_id", "is", null)
    .execute();
  expect(folders).toHaveLength(11);
});

test("the same folder path created concurrently: one 200 per name, the rest 400, parents shared", async () => {
  const project = await createProject(t.app, admin.token, { slug: "conc-folders" });
  const responses = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      t.app.inject({
        method: "POST",
        url: "/api/v1/folders",
        headers: bearer(admin.token),
        payload: { workspaceId: project.id, environment: "dev", path: "/a/b", name: i < 3 ? "same" : `n${i}` },
      }),
    ),
  );
  const statuses = responses.map((r) => r.statusCode);
  expect(statuses.filter((s) => s === 200)).toHaveLength(4);
  expect(statuses.filter((s) => s === 400)).toHaveLength(2);
  for (const r of responses.filter((x) => x.statusCode === 400)) {
    expect(r.json()).toEqual({ reqId: expect.any(String), statusCode: 400, message: "Folder with name 'same' already exists in path '/a/b'", error: "BadRequest" });
  }
  const named = await t.testDb.db.selectFrom("secret_folders").select("id").where("name", "in", ["a", "b"]).execute();
  expect(named).toHaveLength(2);
});

test("Universal Auth PATCH racing its DELETE: 200 or 400, never a 500", async () => {
  const created = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: "ua-race", organizationId: admin.orgId },
  });
  const url = `/api/v1/auth/universal-auth/identities/${created.json().identity.id}`;
  const statuses = new Set<number>();
  for (let round = 0; round < 15; round += 1) {
    expect((await t.app.inject({ method: "POST", url, headers: bearer(admin.token), payload: {} })).statusCode).toBe(200);
    const responses = await Promise.all([
      t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { accessTokenTTL: 60 + round } }),
      t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { lockoutEnabled: false } }),
      t.app.inject({ method: "DELETE", url, headers: bearer(admin.token) }),
      t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { accessTokenNumUsesLimit: round } }),
    ]);
    for (const response of responses) {
      statuses.add(response.statusCode);
      if (response.statusCode !== 200) {
        expect(response.json()).toEqual({
          reqId: expect.any(String),
          statusCode: 400,
          message: "The identity does not have universal auth",
          error: "BadRequest",
        });
      }
    }
  }
  expect([...statuses].every((s) => s === 200 || s === 400)).toBe(true);
});

test("client-secret creation racing the Universal Auth DELETE: 200 or 400, never a 500", async () => {
  const created = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: "secret-race", organizationId: admin.orgId },
  });
  const url = `/api/v1/auth/universal-auth/identities/${created.json().identity.id}`;
  for (let round = 0; round < 10; round += 1) {
    expect((await t.app.inject({ method: "POST", url, headers: bearer(admin.token), payload: {} })).statusCode).toBe(200);
    const responses = await Promise.all([
      t.app.inject({ method: "POST", url: `${url}/client-secrets`, headers: bearer(admin.token), payload: {} }),
      t.app.inject({ method: "POST", url: `${url}/client-secrets`, headers: bearer(admin.token), payload: {} }),
      t.app.inject({ method: "DELETE", url, headers: bearer(admin.token) }),
    ]);
    for (const response of responses.filter((r) => r.statusCode !== 200)) {
      expect(response.json()).toEqual({ reqId: expect.any(String), statusCode: 400, message: "The identity does not have universal auth", error: "BadRequest" });
    }
  }
  // No secret outlives its configuration.
  expect(await t.testDb.db.selectFrom("identity_ua_client_secrets").select("id").where("identity_ua_id", "not in", t.testDb.db.selectFrom("identity_universal_auths").select("id")).execute()).toEqual([]);
});

test("additional privilege racing the membership DELETE: 200 or 404, never a 500", async () => {
  const project = await createProject(t.app, admin.token, { slug: "conc-privileges" });
  const created = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: "privilege-race", organizationId: admin.orgId },
  });
  const identityId: string = created.json().identity.id;
  const membership = `/api/v2/workspace/${project.id}/identity-memberships/${identityId}`;
  for (let round = 0; round < 10; round += 1) {
    expect((await t.app.inject({ method: "POST", url: membership, headers: bearer(admin.token), payload: { role: "viewer" } })).statusCode).toBe(200);
    const privilege = () =>
      t.app.inject({
        method: "POST",
        url: "/api/v2/identity-project-additional-privilege",
        headers: bearer(admin.token),
        payload: { identityId, projectId: project.id, permissions: [{ subject: "dynamic-secrets", action: ["lease"] }] },
      });
    const responses = await Promise.all([privilege(), privilege(), t.app.inject({ method: "DELETE", url: membership, headers: bearer(admin.token) }), privilege()]);
    for (const response of responses.filter((r) => r.statusCode !== 200)) {
      expect(response.json()).toEqual({ reqId: expect.any(String), statusCode: 404, message: `Failed to find identity with id ${identityId}`, error: "NotFound" });
    }
  }
});

test("concurrent Universal Auth PATCHes of the TTL and the max TTL never store TTL > max TTL", async () => {
  const created = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: "ttl-race", organizationId: admin.orgId },
  });
  const identityId: string = created.json().identity.id;
  const url = `/api/v1/auth/universal-auth/identities/${identityId}`;
  expect((await t.app.inject({ method: "POST", url, headers: bearer(admin.token), payload: { accessTokenTTL: 100, accessTokenMaxTTL: 1000 } })).statusCode).toBe(200);
  for (let round = 0; round < 15; round += 1) {
    await t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { accessTokenTTL: 100, accessTokenMaxTTL: 1000 } });
    const responses = await Promise.all([
      t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { accessTokenTTL: 900 } }),
      t.app.inject({ method: "PATCH", url, headers: bearer(admin.token), payload: { accessTokenMaxTTL: 200 } }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const row = await t.testDb.db
      .selectFrom("identity_universal_auths")
      .select(["access_token_ttl", "access_token_max_ttl"])
      .where("identity_id", "=", identityId)
      .executeTakeFirstOrThrow();
    expect(row.access_token_ttl).toBeLessThanOrEqual(row.access_token_max_ttl);
  }
});
