import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { envelope } from "../../support/envelope.js";
import { elasticLogin, startFakeElasticsearch, type FakeElasticsearch } from "../../support/fake-elasticsearch.js";
import { createLease, expireNow, leaseRow, renewLease, revokeLease } from "../../support/leases.js";
import { suffix } from "./targets.js";

// elastic-search leases (leases.md §5.5) against a loopback fake of Elasticsearch's security API:
// a native user per lease that authenticates with the returned credentials, and no longer does
// after revoke and after expiry (D33); renew moves only expireAt; failures are the provider's 400.

let es: FakeElasticsearch;
let t: DsTestApp;
let f: Fixture;

const inputs = (auth: object) => ({ host: "http://127.0.0.1", port: es.port, roles: ["viewer", "monitoring_user"], auth });
const BASIC = { type: "user", username: "elastic", password: "es-admin-pass" };

beforeAll(async () => {
  es = await startFakeElasticsearch();
  es.apiKeys.set("key-id", { key: "key-secret", manage: true });
  es.apiKeys.set("read-only-id", { key: "read-only-secret", manage: false });
  t = await buildDsTestApp();
  f = await createFixture(t, `es-${suffix()}`);
  await createDynamicSecret(t, f, "es-basic", { provider: { type: "elastic-search", inputs: inputs(BASIC) }, defaultTTL: "1h", maxTTL: "3h" });
  await createDynamicSecret(t, f, "es-key", { provider: { type: "elastic-search", inputs: inputs({ type: "api-key", apiKeyId: "key-id", apiKey: "key-secret" }) } });
  await createDynamicSecret(t, f, "es-weak", { provider: { type: "elastic-search", inputs: inputs({ type: "api-key", apiKeyId: "read-only-id", apiKey: "read-only-secret" }) } });
});
afterAll(async () => {
  await t?.close();
  await es?.close();
});

async function lease(name: string) {
  const res = await createLease(t, f, name);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe("elastic-search", () => {
  test("create: a native user with the configured roles that authenticates; renew touches nothing; revoke deletes it", async () => {
    const { lease: l, data } = await lease("es-basic");
    expect(data.DB_USERNAME).toBe(l.externalEntityId);
    expect(data.DB_USERNAME).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(data.DB_PASSWORD).toMatch(/^[A-Za-z0-9\-_.~!*]{64}$/);
    expect(es.users.get(data.DB_USERNAME)).toEqual({ password: data.DB_PASSWORD, roles: ["viewer", "monitoring_user"], full_name: "Managed by Infisical.com" });
    expect(es.userRequests().at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from("elastic:es-admin-pass").toString("base64")}`);
    expect(await elasticLogin(es, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    expect(await elasticLogin(es, data.DB_USERNAME, `${data.DB_PASSWORD}x`)).toBe(false);

    const calls = es.userRequests().length;
    const renewed = await renewLease(t, f, l.id);
    expect(renewed.status).toBe(200);
    expect(new Date(renewed.body.lease.expireAt).getTime() - new Date(l.expireAt).getTime()).toBe(3_600_000);
    expect(es.userRequests().length).toBe(calls);

    const revoked = await revokeLease(t, f, l.id);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(es.users.has(data.DB_USERNAME)).toBe(false);
    expect(await elasticLogin(es, data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
    expect(await leaseRow(t, l.id)).toBeUndefined();
  });

  test("API-key auth; expiry revokes the user", async () => {
    const { lease: l, data } = await lease("es-key");
    expect(es.userRequests().at(-1)!.headers.authorization).toBe(`ApiKey ${Buffer.from("key-id:key-secret").toString("base64")}`);
    expect(await elasticLogin(es, data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    await expireNow(t, l.id);
    expect((await t.container.leaseExpiryService.sweep()).failed).toBe(0);
    expect(await leaseRow(t, l.id)).toBeUndefined();
    expect(await elasticLogin(es, data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });

  test("a user deleted behind the server's back: revoke → 400 and `Failed to delete` (D27)", async () => {
    const { lease: l, data } = await lease("es-basic");
    es.users.delete(data.DB_USERNAME);
    const revoked = await revokeLease(t, f, l.id);
    expect(revoked.body).toEqual(envelope(400, "BadRequest", "Failed to revoke lease from provider: Request failed with status code 404"));
    expect((await leaseRow(t, l.id))!.status).toBe("Failed to delete");
    expect((await revokeLease(t, f, l.id, { isForced: true })).status).toBe(200);
    expect(await leaseRow(t, l.id)).toBeUndefined();
  });

  test("a key without manage_security: create → the provider's 400, no lease row, no user", async () => {
    const before = es.users.size;
    const res = await createLease(t, f, "es-weak");
    expect(res.body).toEqual(envelope(400, "BadRequest", "Failed to create lease from provider: Request failed with status code 403"));
    expect(es.users.size).toBe(before);
    const rows = await t.testDb.db
      .selectFrom("dynamic_secret_leases as l")
      .innerJoin("dynamic_secrets as s", "s.id", "l.dynamic_secret_id")
      .select("l.id")
      .where("s.name", "=", "es-weak")
      .execute();
    expect(rows).toEqual([]);
  });
});
