import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { envelope } from "../../support/envelope.js";
import { startFakeElasticsearch, type FakeElasticsearch } from "../../support/fake-elasticsearch.js";
import { createLease, expireNow, getLease, leaseRow, revokeLease } from "../../support/leases.js";
import { suffix } from "./targets.js";

// A revocation claims its lease (status `revoking`, committed) and calls the target with no
// transaction open. On the embedded database (one connection) a slow target therefore no longer
// stalls every other request, and the claim still makes each credential revoked exactly once:
// while one revoker waits on the target, the worker skips the lease and an API revoke is told it is
// being revoked. A claim whose revoker died is taken again once stale.

const SLOW_MS = 3000;
let es: FakeElasticsearch;
let t: DsTestApp;
let f: Fixture;

beforeAll(async () => {
  es = await startFakeElasticsearch();
  t = await buildDsTestApp();
  f = await createFixture(t, `claim-${suffix()}`);
  await createDynamicSecret(t, f, "es-slow", {
    provider: { type: "elastic-search", inputs: { host: "http://127.0.0.1", port: es.port, roles: ["viewer"], auth: { type: "user", username: "elastic", password: "es-admin-pass" } } },
  });
});
afterAll(async () => {
  await t?.close();
  await es?.close();
});

const deletesOf = (user: string) => es.userRequests().filter((r) => r.method === "DELETE" && r.path === `/_security/user/${user}`).length;

async function waitFor(check: () => boolean, ms = 5000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a slow target: other requests are served meanwhile, and the credential is revoked once", async () => {
  const { lease, data } = (await createLease(t, f, "es-slow")).body;
  await expireNow(t, lease.id);
  es.deleteLatencyMs = SLOW_MS;
  try {
    const sweeping = t.container.leaseExpiryService.sweep();
    await waitFor(() => deletesOf(data.DB_USERNAME) === 1);

    // The target has the DELETE and has not answered: the server still answers at once.
    const started = Date.now();
    const seen = await getLease(t, f, lease.id);
    expect(Date.now() - started).toBeLessThan(SLOW_MS - 1000);
    expect(seen.status).toBe(200);
    expect(seen.body.lease.status).toBe("revoking");
    expect((await revokeLease(t, f, lease.id)).body).toEqual(envelope(400, "BadRequest", "Dynamic secret lease is being revoked"));
    expect(await t.container.leaseExpiryService.sweep()).toEqual({ revoked: 0, failed: 0 });

    expect(await sweeping).toEqual({ revoked: 1, failed: 0 });
  } finally {
    es.deleteLatencyMs = 0;
  }
  expect(deletesOf(data.DB_USERNAME)).toBe(1);
  expect(es.users.has(data.DB_USERNAME)).toBe(false);
  expect(await leaseRow(t, lease.id)).toBeUndefined();
});

test("a claim left by a dead revoker is taken again once stale; a live one is not", async () => {
  const { lease, data } = (await createLease(t, f, "es-slow")).body;
  const db = t.testDb.db;
  // As if a process claimed the lease and died before calling the target.
  await db.updateTable("dynamic_secret_leases").set({ status: "revoking" }).where("id", "=", lease.id).execute();
  expect(await t.container.leaseExpiryService.sweep()).toEqual({ revoked: 0, failed: 0 });
  expect(es.users.has(data.DB_USERNAME)).toBe(true);

  await sql`ALTER TABLE dynamic_secret_leases DISABLE TRIGGER dynamic_secret_leases_updated_at`.execute(db);
  try {
    await db.updateTable("dynamic_secret_leases").set({ updated_at: new Date(Date.now() - 3_600_000) } as never).where("id", "=", lease.id).execute();
  } finally {
    await sql`ALTER TABLE dynamic_secret_leases ENABLE TRIGGER dynamic_secret_leases_updated_at`.execute(db);
  }
  expect(await t.container.leaseExpiryService.sweep()).toEqual({ revoked: 1, failed: 0 });
  expect(es.users.has(data.DB_USERNAME)).toBe(false);
  expect(await leaseRow(t, lease.id)).toBeUndefined();
});
