import { afterAll, beforeAll, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import { leasesBlockDeleteMessage } from "../../../src/leases/delete-guard.js";
import { auth, buildDsTestApp, createDynamicSecret, createFixture, createFolder, type DsTestApp, type Fixture } from "../dynamic-secrets/fixtures.js";
import { createLease, leaseRow, revokeLease } from "./lease-support.js";

// A project, environment or folder delete cascades to its dynamic secrets; while any of them has a
// lease it is refused (the cascade would drop lease rows and orphan the credentials), and nothing
// changes. Once the leases are revoked the delete goes through.

let t: DsTestApp;
let f: Fixture;
let leaseId: string;

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "guard-proj");
  await createFolder(t, f, "dev", "/", "app");
  await createFolder(t, f, "dev", "/app", "inner");
  await createDynamicSecret(t, f, "deep-totp", { path: "/app/inner", defaultTTL: "1h", maxTTL: "2h" });
  const lease = await createLease(t, f, "deep-totp", { path: "/app/inner" });
  expect(lease.status, JSON.stringify(lease.body)).toBe(200);
  leaseId = lease.body.lease.id;
});
afterAll(async () => t?.close());

const secretCount = async () =>
  Number((await t.testDb.db.selectFrom("dynamic_secrets").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

async function devEnvironmentId(): Promise<string> {
  const env = await t.testDb.db
    .selectFrom("project_environments")
    .select("id")
    .where("project_id", "=", f.project.id)
    .where("slug", "=", "dev")
    .executeTakeFirstOrThrow();
  return env.id;
}

test("deleting the folder above a leased secret is a 400 and deletes nothing", async () => {
  const res = await t.app.inject({
    method: "DELETE",
    url: "/api/v1/folders/app",
    headers: auth(f.admin),
    payload: { workspaceId: f.project.id, environment: "dev", path: "/" },
  });
  expect(res.statusCode).toBe(400);
  expect(res.json()).toEqual(envelope(400, "BadRequest", leasesBlockDeleteMessage("folder")));
  expect(await secretCount()).toBe(1);
  expect(await leaseRow(t, leaseId)).toBeDefined();
});

test("deleting the environment or the project is refused the same way", async () => {
  const env = await t.app.inject({
    method: "DELETE",
    url: `/api/v1/workspace/${f.project.id}/environments/${await devEnvironmentId()}`,
    headers: auth(f.admin),
  });
  expect(env.statusCode).toBe(400);
  expect(env.json()).toEqual(envelope(400, "BadRequest", leasesBlockDeleteMessage("environment")));
  const project = await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) });
  expect(project.statusCode).toBe(400);
  expect(project.json()).toEqual(envelope(400, "BadRequest", leasesBlockDeleteMessage("project")));
  expect(await secretCount()).toBe(1);
  expect(await leaseRow(t, leaseId)).toBeDefined();
});

test("once the lease is revoked, the project delete cascades", async () => {
  const revoked = await revokeLease(t, f, leaseId, { path: "/app/inner" });
  expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
  const project = await t.app.inject({ method: "DELETE", url: `/api/v1/workspace/${f.project.id}`, headers: auth(f.admin) });
  expect(project.statusCode).toBe(200);
  expect(await secretCount()).toBe(0);
});
