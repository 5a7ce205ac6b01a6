import { afterAll, beforeAll, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { auditEvents, createLease, leaseRow } from "../../support/leases.js";

// D29 for containers: a project, environment or folder delete with leases below answers 200; the
// secrets holding leases become `Revocation in process` (no new lease, no renew), and the worker
// revokes the leases, deletes the secrets, then the container. Without leases it goes at once
// (test/inject/management covers that). The real-target version (a PostgreSQL role dropped, a
// failure and a new DELETE) is in test/integration/leases/container-delete.test.ts.

let t: DsTestApp;

beforeAll(async () => {
  t = await buildDsTestApp();
});
afterAll(async () => t?.close());

const db = () => t.testDb.db;
const secretStatus = async (name: string) =>
  (await db().selectFrom("dynamic_secrets").select(["status", "status_details"]).where("name", "=", name).executeTakeFirst()) ?? null;
const folderExists = async (id: string) => (await db().selectFrom("secret_folders").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
const pendingCount = async () => Number((await db().selectFrom("pending_deletions").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
const folderId = async (f: Fixture, name: string) =>
  (await db()
    .selectFrom("secret_folders as s")
    .innerJoin("project_environments as e", "e.id", "s.env_id")
    .select("s.id")
    .where("e.project_id", "=", f.project.id)
    .where("s.name", "=", name)
    .executeTakeFirstOrThrow()).id;
const envId = async (f: Fixture, slug: string) =>
  (await db().selectFrom("project_environments").select("id").where("project_id", "=", f.project.id).where("slug", "=", slug).executeTakeFirstOrThrow()).id;

async function leased(f: Fixture, name: string, path: string) {
  await createDynamicSecret(t, f, name, { path, defaultTTL: "1h", maxTTL: "2h" });
  const lease = await createLease(t, f, name, { path });
  expect(lease.status, JSON.stringify(lease.body)).toBe(200);
  return lease.body.lease.id as string;
}

test("folder: 200 at once, secrets below wait as `Revocation in process`, the worker revokes and then deletes the folder", async () => {
  const f = await createFixture(t, "cdel-folder", { folders: ["dev:/app", "dev:/app/inner"] });
  const leaseId = await leased(f, "deep-totp", "/app/inner");
  await createDynamicSecret(t, f, "idle-totp", { path: "/app" });
  const app = await folderId(f, "app");
  const inner = await folderId(f, "inner");

  const res = await t.app.inject({
    method: "DELETE",
    url: "/api/v1/folders/app",
    headers: auth(f.admin),
    payload: { workspaceId: f.project.id, environment: "dev", path: "/" },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().folder).toMatchObject({ id: app, name: "app" });
  // Nothing is cascaded yet: the lease still names a live credential.
  expect(await folderExists(app)).toBe(true);
  expect(await leaseRow(t, leaseId)).toBeDefined();
  expect(await secretStatus("deep-totp")).toEqual({ status: "Revocation in process", status_details: null });
  expect((await secretStatus("idle-totp"))!.status).toBeNull(); // no lease: it simply goes with the folder
  expect(await pendingCount()).toBe(1);
  expect((await createLease(t, f, "deep-totp", { path: "/app/inner" })).body).toEqual(envelope(400, "BadRequest", "Dynamic secret is being deleted"));
  const audit = (await auditEvents(t, "delete-folder")).filter((e) => e.project_id === f.project.id);
  expect(audit).toHaveLength(1);
  expect(audit[0]!.event_metadata).toMatchObject({ folderId: app, folderName: "app", environment: "dev", folderPath: "/" });

  await t.container.leaseExpiryService.sweep();
  expect(await leaseRow(t, leaseId)).toBeUndefined();
  expect(await secretStatus("deep-totp")).toBeNull();
  expect(await secretStatus("idle-totp")).toBeNull();
  expect(await folderExists(app)).toBe(false);
  expect(await folderExists(inner)).toBe(false);
  expect(await pendingCount()).toBe(0);
});

test("environment: the same, and a secret leased after the DELETE is taken into it before the environment goes", async () => {
  const f = await createFixture(t, "cdel-env");
  const first = await leased(f, "env-totp", "/");
  const staging = await envId(f, "staging");
  const dev = await envId(f, "dev");

  const res = await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}/environments/${dev}`, headers: auth(f.admin) });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().environment).toMatchObject({ id: dev, slug: "dev" });
  expect(await secretStatus("env-totp")).toMatchObject({ status: "Revocation in process" });

  // A new secret in the environment still being deleted, leased before the worker's pass.
  const late = await leased(f, "late-totp", "/");
  await t.container.leaseExpiryService.sweep();
  expect(await leaseRow(t, first)).toBeUndefined();
  // The late lease was not known to the DELETE: its secret is now being deleted, the environment waits.
  expect(await secretStatus("late-totp")).toMatchObject({ status: "Revocation in process" });
  expect(await db().selectFrom("project_environments").select("id").where("id", "=", dev).executeTakeFirst()).toBeDefined();

  await t.container.leaseExpiryService.sweep();
  expect(await leaseRow(t, late)).toBeUndefined();
  expect(await db().selectFrom("project_environments").select("id").where("id", "=", dev).executeTakeFirst()).toBeUndefined();
  expect(await db().selectFrom("project_environments").select("id").where("id", "=", staging).executeTakeFirst()).toBeDefined();
  expect((await auditEvents(t, "delete-environment")).filter((e) => e.project_id === f.project.id)).toHaveLength(1);
});

test("project: readable until its last lease is revoked, then gone with everything in it", async () => {
  const f = await createFixture(t, "cdel-proj", { folders: ["prod:/svc"] });
  const a = await leased(f, "proj-totp", "/");
  await createDynamicSecret(t, f, "prod-totp", { environmentSlug: "prod", path: "/svc" });
  const b = (await createLease(t, f, "prod-totp", { environmentSlug: "prod", path: "/svc" })).body.lease.id;

  const res = await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().project).toMatchObject({ id: f.project.id });
  expect((await t.app.inject({ method: "GET", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) })).statusCode).toBe(200);
  // A second DELETE while waiting is answered the same and records nothing twice.
  expect((await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) })).statusCode).toBe(200);
  expect(await pendingCount()).toBe(1);

  await t.container.leaseExpiryService.sweep();
  expect(await leaseRow(t, a)).toBeUndefined();
  expect(await leaseRow(t, b)).toBeUndefined();
  expect(await db().selectFrom("projects").select("id").where("id", "=", f.project.id).executeTakeFirst()).toBeUndefined();
  expect(await db().selectFrom("project_data_keys").select("project_id").where("project_id", "=", f.project.id).executeTakeFirst()).toBeUndefined();
  expect((await t.app.inject({ method: "GET", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) })).statusCode).toBe(404);
  expect(await pendingCount()).toBe(0);
  const audit = (await auditEvents(t, "delete-project")).filter((e) => e.project_id === f.project.id);
  expect(audit.length).toBe(2); // one per request
});
