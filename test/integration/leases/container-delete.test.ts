import { afterAll, beforeAll, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { auditEvents, createLease, leaseRow } from "../../support/leases.js";
import { pgAdmin, pgLogin, pgRole, pgTargetInputs, suffix } from "./targets.js";

// D29 for project, environment and folder deletes against the real PostgreSQL: the credential is
// gone from the target before the rows go; a failed revocation leaves the container in place with
// a visible `Failed to delete`, and a new DELETE starts again.

const DB = `cdel_target_${suffix()}`;
let t: DsTestApp;
const created: string[] = [];

beforeAll(async () => {
  await pgAdmin((c) => c.query(`CREATE DATABASE ${DB}`));
  t = await buildDsTestApp();
});
afterAll(async () => {
  await t?.close();
  await pgAdmin(async (c) => {
    for (const role of created) await c.query(`DROP ROLE IF EXISTS "${role}"`);
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });
});

const db = () => t.testDb.db;

async function pgLease(f: Fixture, name: string, path: string, environmentSlug = "dev") {
  await createDynamicSecret(t, f, name, { environmentSlug, path, provider: { type: "sql-database", inputs: pgTargetInputs(DB) }, defaultTTL: "1h" });
  const res = await createLease(t, f, name, { environmentSlug, path });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  created.push(res.body.data.DB_USERNAME);
  expect(await pgLogin(DB, res.body.data.DB_USERNAME, res.body.data.DB_PASSWORD)).toBe(true);
  return { id: res.body.lease.id as string, user: res.body.data.DB_USERNAME as string, password: res.body.data.DB_PASSWORD as string };
}

test("project delete: the PostgreSQL role is dropped by the worker, then the project and every row below go", async () => {
  const f = await createFixture(t, `cdel-pg-${suffix()}`);
  const lease = await pgLease(f, "pg-proj", "/");
  const res = await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) });
  expect(res.statusCode, res.body).toBe(200);
  expect(await pgRole(lease.user)).toBeDefined(); // not revoked by the request itself

  await t.container.leaseExpiryService.sweep();
  expect(await pgRole(lease.user)).toBeUndefined();
  expect(await pgLogin(DB, lease.user, lease.password)).toBe(false);
  expect(await leaseRow(t, lease.id)).toBeUndefined();
  expect(await db().selectFrom("dynamic_secrets").select("id").where("name", "=", "pg-proj").executeTakeFirst()).toBeUndefined();
  expect(await db().selectFrom("projects").select("id").where("id", "=", f.project.id).executeTakeFirst()).toBeUndefined();
  expect((await auditEvents(t, "delete-project")).filter((e) => e.project_id === f.project.id)).toHaveLength(1);
});

test("environment delete drops the role the same way", async () => {
  const f = await createFixture(t, `cdel-pg-${suffix()}`);
  const lease = await pgLease(f, "pg-env", "/", "staging");
  const env = await db().selectFrom("project_environments").select("id").where("project_id", "=", f.project.id).where("slug", "=", "staging").executeTakeFirstOrThrow();
  const res = await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}/environments/${env.id}`, headers: auth(f.admin) });
  expect(res.statusCode, res.body).toBe(200);
  await t.container.leaseExpiryService.sweep();
  expect(await pgRole(lease.user)).toBeUndefined();
  expect(await db().selectFrom("project_environments").select("id").where("id", "=", env.id).executeTakeFirst()).toBeUndefined();
});

test("folder delete: a failed revocation keeps the folder with `Failed to delete`; a new DELETE starts again", async () => {
  const f = await createFixture(t, `cdel-pg-${suffix()}`, { folders: ["dev:/svc"] });
  const lease = await pgLease(f, "pg-folder", "/svc");
  const folder = await db()
    .selectFrom("secret_folders as s")
    .innerJoin("project_environments as e", "e.id", "s.env_id")
    .select("s.id")
    .where("e.project_id", "=", f.project.id)
    .where("s.name", "=", "svc")
    .executeTakeFirstOrThrow();
  const del = () =>
    t.app.inject({ method: "DELETE", url: "/api/v1/folders/svc", headers: auth(f.admin), payload: { workspaceId: f.project.id, environment: "dev", path: "/" } });

  // The role vanishes behind the server's back: DROP ROLE fails.
  await pgAdmin((c) => c.query(`DROP ROLE "${lease.user}"`));
  expect((await del()).statusCode).toBe(200);
  await t.container.leaseExpiryService.sweep();
  const failed = await db().selectFrom("dynamic_secrets").select(["status", "status_details"]).where("name", "=", "pg-folder").executeTakeFirstOrThrow();
  expect(failed.status).toBe("Failed to delete");
  expect(failed.status_details).toMatch(/^Failed to revoke lease from provider: /);
  expect(failed.status_details).not.toContain(lease.user);
  expect((await leaseRow(t, lease.id))!.status).toBe("Failed to delete");
  expect(await db().selectFrom("secret_folders").select("id").where("id", "=", folder.id).executeTakeFirst()).toBeDefined();
  // Nothing more happens on its own (the secret is no longer being deleted).
  await t.container.leaseExpiryService.sweep();
  expect(await db().selectFrom("secret_folders").select("id").where("id", "=", folder.id).executeTakeFirst()).toBeDefined();

  // The role is back (an operator restored it); a new DELETE starts the deletion again.
  await pgAdmin((c) => c.query(`CREATE ROLE "${lease.user}" LOGIN`));
  expect((await del()).statusCode).toBe(200);
  expect((await db().selectFrom("dynamic_secrets").select("status").where("name", "=", "pg-folder").executeTakeFirstOrThrow()).status).toBe("Revocation in process");
  await t.container.leaseExpiryService.sweep();
  expect(await pgRole(lease.user)).toBeUndefined();
  expect(await leaseRow(t, lease.id)).toBeUndefined();
  expect(await db().selectFrom("secret_folders").select("id").where("id", "=", folder.id).executeTakeFirst()).toBeUndefined();
});
