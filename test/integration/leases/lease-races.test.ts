import { afterAll, beforeAll, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { createLease, expireNow, leaseRow, renewLease, revokeLease } from "../../support/leases.js";
import { pgAdmin, pgRole, pgTargetInputs, suffix } from "./targets.js";

// Races (D28, D32, D26/D27): the lease rows decide, so every credential is revoked exactly once
// and no race answers a 500. On PostgreSQL a role revoked twice would fail the second DROP ROLE
// and show up as a 400 or a `Failed to delete` lease: their absence is the "exactly once".

const DB = `lease_race_${suffix()}`;
const PG_INPUTS = pgTargetInputs(DB);

let t: DsTestApp;
let f: Fixture;
const roles: string[] = [];

beforeAll(async () => {
  await pgAdmin((c) => c.query(`CREATE DATABASE ${DB}`));
  t = await buildDsTestApp({ env: { MAX_LEASE_LIMIT: "4" } });
  f = await createFixture(t, `race-${suffix()}`);
  await createDynamicSecret(t, f, "totp-limit");
  await createDynamicSecret(t, f, "pg-ds", { provider: { type: "sql-database", inputs: PG_INPUTS }, defaultTTL: "1h", maxTTL: "24h" });
});
afterAll(async () => {
  await t?.close();
  await pgAdmin(async (c) => {
    for (const role of roles) await c.query(`DROP ROLE IF EXISTS "${role}"`);
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });
});

async function pgLease() {
  const res = await createLease(t, f, "pg-ds");
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  roles.push(res.body.data.DB_USERNAME);
  return res.body as { lease: { id: string }; data: { DB_USERNAME: string } };
}

test("D32: 12 parallel creates against a limit of 4 leave exactly 4 leases", async () => {
  const results = await Promise.all(Array.from({ length: 12 }, () => createLease(t, f, "totp-limit")));
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([...Array(4).fill(200), ...Array(8).fill(400)]);
  for (const r of results.filter((x) => x.status === 400)) expect(r.body.message).toBe("Max lease limit reached. Limit: 4");
  const secret = await t.testDb.db.selectFrom("dynamic_secrets").select("id").where("name", "=", "totp-limit").executeTakeFirstOrThrow();
  const rows = await t.testDb.db.selectFrom("dynamic_secret_leases").select("id").where("dynamic_secret_id", "=", secret.id).execute();
  expect(rows).toHaveLength(4);
});

test("D28: renew racing revoke — each answers 200, 404 or the D28 400, never 500; the role is dropped once", async () => {
  for (let i = 0; i < 4; i += 1) {
    const { lease, data } = await pgLease();
    const [renewed, revoked] = await Promise.all([renewLease(t, f, lease.id, { ttl: "1m" }), revokeLease(t, f, lease.id)]);
    // 400: the revoke had claimed the lease (D28's "being revoked").
    if (renewed.status === 400) expect(renewed.body.message).toBe("Dynamic secret lease is being revoked");
    else expect([200, 404]).toContain(renewed.status);
    expect(revoked.status).toBe(200);
    expect(await leaseRow(t, lease.id)).toBeUndefined();
    expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
  }
});

test("D26/D27: revoke racing expiry — revoked exactly once, no 500, no `Failed to delete`", async () => {
  for (let i = 0; i < 4; i += 1) {
    const { lease, data } = await pgLease();
    await expireNow(t, lease.id);
    const [revoked, swept] = await Promise.all([revokeLease(t, f, lease.id), t.container.leaseExpiryService.sweep()]);
    // 400: the worker had claimed the lease and was revoking it.
    if (revoked.status === 400) expect(revoked.body.message).toBe("Dynamic secret lease is being revoked");
    else expect([200, 404]).toContain(revoked.status);
    expect(swept.failed).toBe(0);
    // Exactly one of them revoked it.
    expect(swept.revoked + (revoked.status === 200 ? 1 : 0)).toBe(1);
    expect(await leaseRow(t, lease.id)).toBeUndefined();
    expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
  }
});

test("D26: two workers (replicas) sweeping the same due leases revoke each once", async () => {
  const leases = await Promise.all(Array.from({ length: 4 }, () => pgLease()));
  for (const { lease } of leases) await expireNow(t, lease.id);
  const other = await buildDsTestApp({ shared: t });
  try {
    const [a, b] = await Promise.all([t.container.leaseExpiryService.sweep(), other.container.leaseExpiryService.sweep()]);
    expect(a.failed + b.failed).toBe(0);
    expect(a.revoked + b.revoked).toBe(4);
  } finally {
    await other.close();
  }
  for (const { data } of leases) expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
});
