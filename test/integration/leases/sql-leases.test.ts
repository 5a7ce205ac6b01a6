import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { envelope } from "../../support/envelope.js";
import { auditEvents, call, createLease, expireNow, leaseRow, listLeases, renewLease, revokeLease } from "../../support/leases.js";
import { mysqlAdmin, mysqlLogin, pgAdmin, pgLogin, pgPasswordMatches, pgRole, pgTargetInputs, suffix } from "./targets.js";

// leases.md §8 L14–L38 on the real PostgreSQL and MariaDB (D33: a login with the returned
// credentials works, and fails after revoke and after expiry).

const DB = `lease_target_${suffix()}`;
const PG_INPUTS = pgTargetInputs(DB);
const MARIA_INPUTS = {
  client: "mysql2",
  host: "127.0.0.1",
  port: 3306,
  database: DB,
  username: "root",
  password: "",
  creationStatement: `CREATE USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';GRANT SELECT ON ${DB}.* TO '{{username}}'@'%';`,
  revocationStatement: `DROP USER '{{username}}'@'%';`,
};

let t: DsTestApp;
let f: Fixture;
const created: string[] = [];

async function pgLease(name = "pg-ds", extra: Record<string, unknown> = {}) {
  const res = await createLease(t, f, name, extra);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  created.push(res.body.data.DB_USERNAME);
  return res.body;
}
const roleCount = () => pgAdmin(async (c) => Number((await c.query("SELECT count(*) FROM pg_roles")).rows[0].count));

beforeAll(async () => {
  await pgAdmin((c) => c.query(`CREATE DATABASE ${DB}`));
  await mysqlAdmin((c) => c.query(`CREATE DATABASE ${DB}`));
  t = await buildDsTestApp();
  f = await createFixture(t, `ds-${suffix()}`);
  await createDynamicSecret(t, f, "pg-ds", { provider: { type: "sql-database", inputs: PG_INPUTS }, defaultTTL: "1h", maxTTL: "2h" });
  await createDynamicSecret(t, f, "maria-ds", { provider: { type: "sql-database", inputs: MARIA_INPUTS }, defaultTTL: "1h" });
});
afterAll(async () => {
  await t?.close();
  await pgAdmin(async (c) => {
    for (const role of created) await c.query(`DROP ROLE IF EXISTS "${role}"`);
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });
  await mysqlAdmin(async (c) => {
    for (const user of created) await c.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await c.query(`DROP DATABASE IF EXISTS ${DB}`);
  });
});

describe("postgres", () => {
  test("L14: a role that logs in with the returned password, valid until expireAt", async () => {
    const { lease, data } = await pgLease();
    expect(data.DB_USERNAME).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(data.DB_USERNAME).toBe(lease.externalEntityId);
    expect(data.DB_PASSWORD).toMatch(/^[0-9A-Za-z]{48}$/);
    expect(data.DB_PASSWORD).toMatch(/[a-z]/);
    expect(data.DB_PASSWORD).toMatch(/[A-Z]/);
    expect(data.DB_PASSWORD).toMatch(/[0-9]/);
    const role = await pgRole(data.DB_USERNAME);
    expect(Math.abs(role!.rolvaliduntil!.getTime() - new Date(lease.expireAt).getTime())).toBeLessThan(1000);
    expect(await pgLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    expect(await pgPasswordMatches(data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    expect(await pgPasswordMatches(data.DB_USERNAME, `${data.DB_PASSWORD}x`)).toBe(false);

    // L29: revoke → role gone, login refused.
    const revoked = await revokeLease(t, f, lease.id);
    expect(revoked.status).toBe(200);
    expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
    expect(await pgLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });

  test("L15, L16: TTL bound; a refused create leaves no role", async () => {
    const before = await roleCount();
    expect((await createLease(t, f, "pg-ds", { ttl: "3h" })).body).toEqual(envelope(400, "BadRequest", "TTL cannot be larger than max TTL"));
    expect(await roleCount()).toBe(before);
    const { lease } = await pgLease("pg-ds", { ttl: "2h" });
    await revokeLease(t, f, lease.id);
  });

  test("L18–L20: renew extends the role's VALID UNTIL; the max-TTL bound", async () => {
    const { lease, data } = await pgLease();
    const renewed = await renewLease(t, f, lease.id, { ttl: "30m" });
    expect(renewed.status).toBe(200);
    const expireAt = new Date(renewed.body.lease.expireAt).getTime();
    expect(expireAt - new Date(lease.expireAt).getTime()).toBe(30 * 60_000);
    expect(Math.abs((await pgRole(data.DB_USERNAME))!.rolvaliduntil!.getTime() - expireAt)).toBeLessThan(1000);
    expect((await renewLease(t, f, lease.id, { ttl: "2h" })).body).toEqual(
      envelope(400, "BadRequest", "The requested renewal would exceed the maximum allowed lease duration. Please choose a shorter TTL"),
    );
    expect((await leaseRow(t, lease.id))!.expire_at.getTime()).toBe(expireAt);
    await revokeLease(t, f, lease.id);
  });

  test("L31, L32 (D27): a failed revoke answers 400 and leaves a loud `Failed to delete` lease; forced removes it", async () => {
    const { lease, data } = await pgLease();
    await pgAdmin((c) => c.query(`DROP ROLE "${data.DB_USERNAME}"`));
    const failed = await revokeLease(t, f, lease.id);
    expect(failed.status).toBe(400);
    expect(failed.body.message).toMatch(/^Failed to revoke lease from provider: /);
    expect(failed.body.message).not.toContain(data.DB_PASSWORD);
    const listed = (await listLeases(t, f, "pg-ds")).body.leases.find((l: any) => l.id === lease.id);
    expect(listed).toMatchObject({ status: "Failed to delete" });
    expect(listed.statusDetails).toMatch(/^Failed to revoke lease from provider: /);
    expect((await auditEvents(t, "delete-dynamic-secret-lease")).at(-1)!.event_metadata).toMatchObject({ leaseId: lease.id, leaseStatus: "Failed to delete" });
    const row = await leaseRow(t, lease.id);
    expect(row!.revoke_attempts).toBe(1);
    expect(row!.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());

    // The worker does not retry before next_attempt_at; once due, it tries again (and fails again).
    expect((await t.container.leaseExpiryService.sweep()).failed).toBe(0);
    await t.testDb.db.updateTable("dynamic_secret_leases").set({ next_attempt_at: new Date(Date.now() - 1000) }).where("id", "=", lease.id).execute();
    expect((await t.container.leaseExpiryService.sweep()).failed).toBe(1);
    expect((await leaseRow(t, lease.id))!.revoke_attempts).toBe(2);

    const forced = await revokeLease(t, f, lease.id, { isForced: true });
    expect(forced.status).toBe(200);
    expect(await leaseRow(t, lease.id)).toBeUndefined();
  });

  test("L33, D30: revoke uses the current inputs; a PATCH may not move the target while leases exist", async () => {
    await createDynamicSecret(t, f, "pg-drift", { provider: { type: "sql-database", inputs: PG_INPUTS } });
    const { lease, data } = await pgLease("pg-drift");
    const patch = (data2: unknown) => call(t, "PATCH" as any, "/api/v1/dynamic-secrets/pg-drift", f.admin, { projectSlug: f.project.slug, environmentSlug: "dev", data: data2 });
    // The target moves to another database of the same (reachable) server: refused under the lock.
    expect((await patch({ inputs: { database: "postgres" } })).body).toEqual(
      envelope(400, "BadRequest", "Cannot change the target of a dynamic secret that has active leases; revoke them first"),
    );
    expect((await patch({ inputs: { revocationStatement: "SELECT * FROM missing_tbl_{{username}}" } })).status).toBe(200);
    expect((await revokeLease(t, f, lease.id)).status).toBe(400);
    expect(await pgRole(data.DB_USERNAME)).toBeDefined();
    expect((await patch({ inputs: { revocationStatement: PG_INPUTS.revocationStatement } })).status).toBe(200);
    await t.testDb.db.updateTable("dynamic_secret_leases").set({ next_attempt_at: new Date(Date.now() - 1000) }).where("id", "=", lease.id).execute();
    await t.container.leaseExpiryService.sweep();
    expect(await leaseRow(t, lease.id)).toBeUndefined();
    expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
    expect((await patch({ inputs: { database: "postgres" } })).status).toBe(200);
  });

  test("L34, L35: username templates", async () => {
    await createDynamicSecret(t, f, "pg-tpl", { provider: { type: "sql-database", inputs: PG_INPUTS }, usernameTemplate: "{{identity.name}}_{{random 4}}" });
    const { lease, data } = await pgLease("pg-tpl");
    expect(data.DB_USERNAME).toMatch(new RegExp(`^${f.admin.name.replace(/[^A-Za-z0-9_]/g, "_")}_[0-9A-Za-z]{4}$`));
    expect(await pgLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    await revokeLease(t, f, lease.id);
    await createDynamicSecret(t, f, "pg-bad-tpl", { provider: { type: "sql-database", inputs: PG_INPUTS }, usernameTemplate: '{{replace identity.name "_" "."}}' });
    const before = await roleCount();
    expect((await createLease(t, f, "pg-bad-tpl")).body).toEqual(
      envelope(400, "BadRequest", "Generated username contains unsupported characters; only letters, digits, underscore and hyphen are allowed"),
    );
    expect(await roleCount()).toBe(before);
  });

  test("D25, D33: a creation that fails part-way leaves no role and no lease row (one transaction)", async () => {
    await createDynamicSecret(t, f, "pg-broken", {
      provider: { type: "sql-database", inputs: { ...PG_INPUTS, creationStatement: `CREATE ROLE "{{username}}" LOGIN PASSWORD '{{password}}';GRANT bogus TO "{{username}}";` } },
    });
    const before = await roleCount();
    const res = await createLease(t, f, "pg-broken");
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Failed to create lease from provider: /);
    expect(await roleCount()).toBe(before);
    expect((await listLeases(t, f, "pg-broken")).body.leases).toEqual([]);
    expect(await t.testDb.db.selectFrom("dynamic_secret_leases").selectAll().where("status", "=", "creating").execute()).toEqual([]);
  });

  test("expiry: once expire_at has passed the worker drops the role and the login fails", async () => {
    const { lease, data } = await pgLease();
    expect(await pgLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    await expireNow(t, lease.id);
    await t.container.leaseExpiryService.sweep();
    expect(await leaseRow(t, lease.id)).toBeUndefined();
    expect(await pgLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });

  /** As if the process died after the provider call: the row is still `creating`, and an hour old. */
  const makeStaleCreating = (leaseId: string) =>
    t.testDb.db
      .updateTable("dynamic_secret_leases")
      .set({ status: "creating", created_at: new Date(Date.now() - 3_600_000) } as never)
      .where("id", "=", leaseId)
      .execute();

  test("D25: a `creating` row a dead process left behind is revoked and removed once stale", async () => {
    const { lease, data } = await pgLease();
    await makeStaleCreating(lease.id);
    expect((await listLeases(t, f, "pg-ds")).body.leases.map((l: any) => l.id)).not.toContain(lease.id);
    await t.container.leaseExpiryService.sweep();
    expect(await leaseRow(t, lease.id)).toBeUndefined();
    expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
  });

  test("D25 + D27: a stale `creating` row whose revocation fails is kept (`Failed to delete`, backoff) and retried until the role is gone", async () => {
    const { lease, data } = await pgLease();
    await makeStaleCreating(lease.id);
    // The role owns a table: DROP ROLE fails until the table is gone.
    const table = `lease_block_${suffix()}`;
    await pgAdmin((c) => c.query(`CREATE TABLE ${table} (id int); ALTER TABLE ${table} OWNER TO "${data.DB_USERNAME}"`));
    expect((await t.container.leaseExpiryService.sweep()).failed).toBe(1);
    const kept = (await leaseRow(t, lease.id))!;
    expect(kept.status).toBe("Failed to delete");
    expect(kept.status_details).toMatch(/^Failed to revoke lease from provider: /);
    expect(kept.revoke_attempts).toBe(1);
    expect(kept.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());
    expect(await pgRole(data.DB_USERNAME)).toBeDefined();
    // Now visible (a credential may exist), and not retried before its next attempt time.
    expect((await listLeases(t, f, "pg-ds")).body.leases.map((l: any) => l.id)).toContain(lease.id);
    expect((await t.container.leaseExpiryService.sweep()).failed).toBe(0);

    await pgAdmin((c) => c.query(`DROP TABLE ${table}`));
    await t.testDb.db.updateTable("dynamic_secret_leases").set({ next_attempt_at: new Date(Date.now() - 1000) }).where("id", "=", lease.id).execute();
    await t.container.leaseExpiryService.sweep();
    expect(await leaseRow(t, lease.id)).toBeUndefined();
    expect(await pgRole(data.DB_USERNAME)).toBeUndefined();
  });
});

describe("mariadb", () => {
  test("L36, L37: user with its grant, login works, revoke removes it", async () => {
    const { lease, data } = (await createLease(t, f, "maria-ds")).body;
    created.push(data.DB_USERNAME);
    const grants = await mysqlAdmin(async (c) => (await c.query(`SHOW GRANTS FOR '${data.DB_USERNAME}'@'%'`))[0] as Record<string, string>[]);
    expect(grants.map((g) => Object.values(g)[0]).join("\n")).toContain(`GRANT SELECT ON \`${DB}\`.*`);
    expect(await mysqlLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    expect(await mysqlLogin(DB, data.DB_USERNAME, `${data.DB_PASSWORD}x`)).toBe(false);
    expect((await revokeLease(t, f, lease.id)).status).toBe(200);
    expect(await mysqlLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });

  test("L38 (D33): a failure after CREATE USER (DDL commits) is revoked: no user remains", async () => {
    await createDynamicSecret(t, f, "maria-broken", {
      provider: { type: "sql-database", inputs: { ...MARIA_INPUTS, creationStatement: `CREATE USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';GRANT BOGUS ON x TO y` } },
    });
    const users = () => mysqlAdmin(async (c) => ((await c.query("SELECT count(*) AS n FROM mysql.user"))[0] as { n: number }[])[0]!.n);
    const before = await users();
    const res = await createLease(t, f, "maria-broken");
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Failed to create lease from provider: /);
    expect(await users()).toBe(before);
  });

  test("expiry: the login fails once the worker has revoked the lease", async () => {
    const { lease, data } = (await createLease(t, f, "maria-ds")).body;
    created.push(data.DB_USERNAME);
    expect(await mysqlLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    await expireNow(t, lease.id);
    await t.container.leaseExpiryService.sweep();
    expect(await mysqlLogin(DB, data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });
});
