import { afterAll, beforeAll, expect, test } from "vitest";
import { startLeaseJobs, type LeaseJobs } from "../../../src/jobs/lease-jobs.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { createLease, expireNow, leaseRow } from "../../support/leases.js";

// The jobs room (D26) on this file's database — pg-boss on PostgreSQL, or through the PGlite
// adapter on the embedded database: a job at a lease's expiry revokes it, and the sweep at start
// revokes what expired while no worker ran. The sweep interval is an hour here, so only the
// start-up sweep and the job queue can act.

let t: DsTestApp;
let f: Fixture;
let jobs: LeaseJobs | undefined;

const start = () =>
  startLeaseJobs({
    db: t.testDb.db,
    connectionString: t.testDb.url,
    pglite: t.testDb.client,
    expiry: t.container.leaseExpiryService,
    queue: t.container.leaseQueue,
    sweepIntervalMs: 3_600_000,
    log: { error: (obj, msg) => console.error(msg, obj), info: () => undefined },
  });

async function waitUntilGone(id: string): Promise<void> {
  for (let i = 0; i < 200 && (await leaseRow(t, id)); i += 1) await new Promise((r) => setTimeout(r, 100));
  expect(await leaseRow(t, id)).toBeUndefined();
}

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t);
  await createDynamicSecret(t, f, "totp-ds");
});
afterAll(async () => {
  await jobs?.stop();
  await t?.close();
});

test("the sweep at start revokes a lease that expired while no worker ran", async () => {
  const lease = (await createLease(t, f, "totp-ds")).body.lease;
  const kept = (await createLease(t, f, "totp-ds")).body.lease;
  await expireNow(t, lease.id);
  jobs = await start();
  await waitUntilGone(lease.id);
  expect(await leaseRow(t, kept.id)).toBeDefined();
});

test("a job scheduled for a lease's expiry revokes it (the row decides: an early job does nothing)", async () => {
  const lease = (await createLease(t, f, "totp-ds")).body.lease;
  // An early job: the lease is not due, so it stays.
  t.container.leaseQueue.schedule(lease.id, new Date());
  await new Promise((r) => setTimeout(r, 1500));
  expect(await leaseRow(t, lease.id)).toBeDefined();
  await expireNow(t, lease.id);
  t.container.leaseQueue.schedule(lease.id, new Date());
  await waitUntilGone(lease.id);
});
