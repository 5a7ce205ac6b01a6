import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { totpAt } from "../../../src/dynamic-secrets/providers/totp.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, createIdentity, createMember, type Fixture, type TestIdentity } from "../../support/factories.js";
import { envelope } from "../../support/envelope.js";
import { auditEvents, base, call, createLease, expireNow, getLease, leaseRow, listLeases, renewLease, revokeLease } from "../../support/leases.js";

// leases.md §8 on the TOTP provider (no target I/O) as changed by D25–D35: routes, bodies, check
// order, messages, audit rows.

let t: DsTestApp;
let f: Fixture;
let viewer: TestIdentity;
let outsider: TestIdentity;

beforeAll(async () => {
  t = await buildDsTestApp({ env: { MAX_LEASE_LIMIT: "3" } });
  f = await createFixture(t, "ds-proj", { folders: ["dev:/app"] });
  viewer = await createMember(t, f, "viewer", { builtIn: ["viewer"] });
  outsider = await createIdentity(t, f.orgId, "out", "member");
  await createDynamicSecret(t, f, "totp-ds", { defaultTTL: "1m", maxTTL: "1h" });
  await createDynamicSecret(t, f, "totp-app", { path: "/app", defaultTTL: "1m", maxTTL: "1h" });
});
afterAll(async () => t?.close());

const LEASE_KEYS = ["id", "version", "externalEntityId", "expireAt", "status", "statusDetails", "dynamicSecretId", "createdAt", "updatedAt", "config"];

describe("create (§1.3)", () => {
  test("L01: no token → 401", async () => {
    const res = await t.app.inject({ method: "POST", url: "/api/v1/dynamic-secrets/leases", payload: { ...base(f), dynamicSecretName: "totp-ds" } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
  });

  test.each([
    ["L02 no projectSlug", { projectSlug: undefined }, ["projectSlug"], undefined],
    ["L03 ttl 30s", { ttl: "30s" }, ["ttl"], "TTL must be a greater than 1min"],
    ["L04 ttl 11y", { ttl: "11y" }, ["ttl"], "TTL must be less than 10 years"],
    ["L05 ttl null", { ttl: null }, ["ttl"], undefined],
    ["D31 ttl unparsable", { ttl: "abc" }, ["ttl"], "TTL must be a valid duration"],
    ["D31 ttl empty", { ttl: "" }, ["ttl"], "TTL must be a valid duration"],
  ])("%s → 422", async (_name, extra, path, message) => {
    const res = await createLease(t, f, "totp-ds", extra);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("ValidationFailure");
    expect(res.body.message[0].path).toEqual(path);
    if (message) expect(res.body.message[0].message).toBe(message);
  });

  test("L06–L10: project, membership, folder, path, secret", async () => {
    expect((await createLease(t, f, "totp-ds", { projectSlug: "nope" })).body).toEqual(envelope(404, "NotFound", "Project with slug 'nope' not found"));
    const out = await createLease(t, f, "totp-ds", {}, outsider);
    expect(out.status).toBe(403);
    expect(out.body.error).toBe("You are not member of this project");
    expect((await createLease(t, f, "totp-ds", { path: "/missing" })).body).toEqual(
      envelope(404, "NotFound", "Folder with path '/missing' in environment with slug 'dev' not found"),
    );
    expect((await createLease(t, f, "totp-ds", { path: "/a b" })).body).toEqual(
      envelope(400, "BadRequest", "Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed."),
    );
    expect((await createLease(t, f, "nope")).body).toEqual(envelope(404, "NotFound", "Dynamic secret with name 'nope' in folder with path '/' not found"));
  });

  test("L11, L13: name lower-cased; TOTP data, lease shape, parent without inputs, audit row", async () => {
    const res = await createLease(t, f, "TOTP-DS");
    expect(res.status).toBe(200);
    const { lease, dynamicSecret, data } = res.body;
    expect(Object.keys(lease)).toEqual(LEASE_KEYS);
    expect(lease).toMatchObject({ version: 1, status: null, statusDetails: null, config: null });
    expect(lease.externalEntityId).toMatch(/^[0-9A-Za-z]{32}$/);
    const ttl = new Date(lease.expireAt).getTime() - new Date(lease.createdAt).getTime();
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThan(61_000);
    expect(data.TOTP).toMatch(/^\d{6}$/);
    expect(Number.isInteger(data.TIME_REMAINING) && data.TIME_REMAINING >= 1 && data.TIME_REMAINING <= 30).toBe(true);
    expect(dynamicSecret).toMatchObject({ name: "totp-ds", type: "totp", metadata: [] });
    expect(dynamicSecret).not.toHaveProperty("inputs");
    expect(dynamicSecret).not.toHaveProperty("encryptedInput");
    const [event] = (await auditEvents(t, "create-dynamic-secret-lease")).slice(-1);
    expect(event!.event_metadata).toMatchObject({ leaseId: lease.id, dynamicSecretName: "totp-ds", leaseExternalEntityId: lease.externalEntityId });
    expect(JSON.stringify(event)).not.toContain(data.TOTP + '"');
    await revokeLease(t, f, lease.id);
  });

  test("the TOTP code is RFC 6238's (test vector of RFC 6238 Appendix B, SHA-1)", () => {
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of "12345678901234567890"
    expect(totpAt({ secret, period: 30, digits: 8, algorithm: "sha1" }, 59_000)).toEqual({ code: "94287082", timeRemaining: 1 });
    expect(totpAt({ secret, period: 30, digits: 8, algorithm: "sha1" }, 1_111_111_109_000).code).toBe("07081804");
  });

  test("L12: a viewer may not lease", async () => {
    const res = await createLease(t, f, "totp-ds", {}, viewer);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to lease on dynamic-secrets" });
  });

  test("ttl above maxTTL → 400; config is stored and returned", async () => {
    expect((await createLease(t, f, "totp-ds", { ttl: "2h" })).body).toEqual(envelope(400, "BadRequest", "TTL cannot be larger than max TTL"));
    const res = await createLease(t, f, "totp-ds", { ttl: "1h", config: { namespace: "x" } });
    expect(res.body.lease.config).toEqual({ namespace: "x" });
    await revokeLease(t, f, res.body.lease.id);
  });

  test("D35: a provider without leases answers 400 and leaves no row", async () => {
    await createDynamicSecret(t, f, "sql-ds", { provider: { type: "fake-sql", inputs: { host: "db", username: "u", password: "p" } } });
    expect((await createLease(t, f, "sql-ds")).body).toEqual(envelope(400, "BadRequest", "Leases are not supported for the fake-sql provider on this server"));
    expect(await t.testDb.db.selectFrom("dynamic_secret_leases").selectAll().where("external_entity_id", "!=", "").execute()).toEqual([]);
  });
});

describe("get, list, renew, revoke", () => {
  test("L24, L25 (D31), L26 (D31), L27, L28", async () => {
    const { body } = await createLease(t, f, "totp-ds");
    const id = body.lease.id;
    const got = await getLease(t, f, id);
    expect(got.status).toBe(200);
    expect(got.body.lease).toMatchObject({ id, dynamicSecret: { name: "totp-ds", metadata: [] } });
    expect(got.body).not.toHaveProperty("data");
    expect((await auditEvents(t, "get-dynamic-secret-lease")).at(-1)!.event_metadata).toMatchObject({ leaseId: id });

    const app = await createLease(t, f, "totp-app", { path: "/app" });
    expect((await getLease(t, f, app.body.lease.id)).body).toEqual(envelope(404, "NotFound", `Dynamic secret lease with ID '${app.body.lease.id}' not found`));
    expect((await getLease(t, f, "abc")).body).toEqual(envelope(404, "NotFound", "Dynamic secret lease with ID 'abc' not found"));
    expect((await getLease(t, f, id, "&path=/missing")).body).toEqual(envelope(404, "NotFound", "Folder with path '/missing' not found"));

    const listed = await listLeases(t, f, "totp-ds");
    expect(listed.status).toBe(200);
    expect(listed.body.leases.map((l: any) => l.id)).toContain(id);
    expect((await auditEvents(t, "list-dynamic-secret-leases")).at(-1)!.event_metadata).toMatchObject({ leaseCount: listed.body.leases.length });
    expect((await listLeases(t, f, "TOTP-DS")).body).toEqual(envelope(404, "NotFound", "Dynamic secret with name 'TOTP-DS' in folder with path '/' not found"));
    await revokeLease(t, f, id);
    await revokeLease(t, f, app.body.lease.id, { path: "/app" });
  });

  test("L44, L19-style bound, L21, L22, L23, D28", async () => {
    const { body } = await createLease(t, f, "totp-ds");
    const id = body.lease.id;
    const renewed = await renewLease(t, f, id);
    expect(renewed.status).toBe(200);
    expect(new Date(renewed.body.lease.expireAt).getTime() - new Date(body.lease.expireAt).getTime()).toBe(60_000);
    expect(renewed.body.lease.version).toBe(1);
    expect((await auditEvents(t, "renew-dynamic-secret-lease")).at(-1)!.event_metadata).toMatchObject({ leaseId: id, newLeaseExpireAt: renewed.body.lease.expireAt });

    expect((await renewLease(t, f, id, { ttl: "1h" })).body).toEqual(
      envelope(400, "BadRequest", "The requested renewal would exceed the maximum allowed lease duration. Please choose a shorter TTL"),
    );
    const invalid = await renewLease(t, f, id, { path: "" });
    expect(invalid.status).toBe(422);
    const uuid = "0b9f4a6e-4c1e-4d7a-9a43-2f1f3f1b2c3d";
    expect((await renewLease(t, f, uuid)).body).toEqual(envelope(404, "NotFound", `Dynamic secret lease with ID '${uuid}' not found`));
    expect((await renewLease(t, f, id, { path: "/app" })).body).toEqual(envelope(404, "NotFound", `Dynamic secret lease with ID '${id}' not found`));

    await expireNow(t, id);
    expect((await renewLease(t, f, id)).body).toEqual(envelope(400, "BadRequest", "Dynamic secret lease has expired"));
    await t.testDb.db.updateTable("dynamic_secret_leases").set({ status: "Failed to delete", expire_at: new Date(Date.now() + 60_000) }).where("id", "=", id).execute();
    expect((await renewLease(t, f, id)).body).toEqual(envelope(400, "BadRequest", "Dynamic secret lease is being revoked"));
    await revokeLease(t, f, id, { isForced: true });
  });

  test("L29, L30: revoke deletes the row; isForced must be a boolean; audit leaseStatus", async () => {
    const { body } = await createLease(t, f, "totp-ds");
    const id = body.lease.id;
    expect((await revokeLease(t, f, id, { isForced: "true" })).status).toBe(422);
    const revoked = await revokeLease(t, f, id);
    expect(revoked.status).toBe(200);
    expect(revoked.body.lease).toMatchObject({ id, status: null });
    expect(await leaseRow(t, id)).toBeUndefined();
    expect((await getLease(t, f, id)).status).toBe(404);
    expect((await auditEvents(t, "delete-dynamic-secret-lease")).at(-1)!.event_metadata).toMatchObject({ leaseId: id, leaseStatus: null, isForced: false });
    expect((await revokeLease(t, f, id)).body).toEqual(envelope(404, "NotFound", `Dynamic secret lease with ID '${id}' not found`));
  });

  test("expiry: the sweep revokes a lease once its expire_at has passed", async () => {
    const { body } = await createLease(t, f, "totp-ds");
    const keep = await createLease(t, f, "totp-ds");
    await expireNow(t, body.lease.id);
    const result = await t.container.leaseExpiryService.sweep();
    expect(result.revoked).toBeGreaterThanOrEqual(1);
    expect(await leaseRow(t, body.lease.id)).toBeUndefined();
    expect(await leaseRow(t, keep.body.lease.id)).toBeDefined();
    await revokeLease(t, f, keep.body.lease.id);
  });

  test("L48 (D32): the limit counts every lease of the secret", async () => {
    await createDynamicSecret(t, f, "totp-limit");
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createLease(t, f, "totp-limit")).body.lease.id);
    expect((await createLease(t, f, "totp-limit")).body).toEqual(envelope(400, "BadRequest", "Max lease limit reached. Limit: 3"));
    for (const id of ids) await revokeLease(t, f, id);
    expect((await createLease(t, f, "totp-limit")).status).toBe(200);
  });

  test("D29: deleting a secret with leases — not forced waits for the worker, forced goes at once", async () => {
    await createDynamicSecret(t, f, "totp-del");
    const a = (await createLease(t, f, "totp-del")).body.lease.id;
    const del = await call(t, "DELETE", "/api/v1/dynamic-secrets/totp-del", f.admin, base(f));
    expect(del.status).toBe(200);
    expect(del.body.dynamicSecret.status).toBe("Revocation in process");
    expect((await createLease(t, f, "totp-del")).body).toEqual(envelope(400, "BadRequest", "Dynamic secret is being deleted"));
    expect((await renewLease(t, f, a)).body).toEqual(envelope(400, "BadRequest", "Dynamic secret is being deleted"));
    await t.container.leaseExpiryService.sweep();
    expect(await leaseRow(t, a)).toBeUndefined();
    expect((await call(t, "GET", `/api/v1/dynamic-secrets/totp-del?projectSlug=${f.project.slug}&environmentSlug=dev`, f.admin)).status).toBe(404);

    await createDynamicSecret(t, f, "totp-del2");
    const b = (await createLease(t, f, "totp-del2")).body.lease.id;
    const forced = await call(t, "DELETE", "/api/v1/dynamic-secrets/totp-del2", f.admin, base(f, { isForced: true }));
    expect(forced.status).toBe(200);
    expect(await leaseRow(t, b)).toBeUndefined();
    expect((await call(t, "GET", `/api/v1/dynamic-secrets/totp-del2?projectSlug=${f.project.slug}&environmentSlug=dev`, f.admin)).status).toBe(404);
  });
});
