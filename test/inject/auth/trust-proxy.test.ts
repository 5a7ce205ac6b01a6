import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { createTestDb, type TestDb } from "../../support/db.js";
import { envelope } from "../../support/envelope.js";
import { bearer, bootstrapInstance, createIdentityWithToken, createProject, type BootstrappedInstance } from "../../support/factories.js";

// D37: the client address (IP allow-lists, rate-limit keys, audit rows) is the socket's address
// unless TRUST_PROXY names the proxies. app.inject connects from 127.0.0.1.

let testDb: TestDb;
let plain: TestApp;
let admin: BootstrappedInstance;
let project: { id: string; slug: string };
const apps: TestApp[] = [];

/** Another app on the same database with this TRUST_PROXY (and any other variables). */
async function appWith(env: Record<string, string>): Promise<TestApp> {
  const app = await buildTestApp({ env, testDb });
  apps.push(app);
  return app;
}

beforeAll(async () => {
  testDb = await createTestDb();
  plain = await buildTestApp({ testDb });
  admin = await bootstrapInstance(plain.app);
  project = await createProject(plain.app, admin.token, { slug: "proxy-proj" });
});
afterAll(async () => {
  for (const app of [plain, ...apps]) await app.close();
  await testDb.destroy();
});

/** Client id/secret usable only from 10.9.9.0/24. */
async function secretFrom10_9_9() {
  // Not through createIdentityWithToken: its login from 127.0.0.1 would be refused.
  const identity = await plain.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: `proxied-${Math.random().toString(36).slice(2, 8)}`, organizationId: admin.orgId },
  });
  const identityId = identity.json().identity.id as string;
  const ua = await plain.app.inject({
    method: "POST",
    url: `/api/v1/auth/universal-auth/identities/${identityId}`,
    headers: bearer(admin.token),
    payload: { lockoutEnabled: false, clientSecretTrustedIps: [{ ipAddress: "10.9.9.0/24" }] },
  });
  const secret = await plain.app.inject({
    method: "POST",
    url: `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`,
    headers: bearer(admin.token),
    payload: {},
  });
  return { clientId: ua.json().identityUniversalAuth.clientId as string, clientSecret: secret.json().clientSecret as string };
}

const login = (t: TestApp, creds: { clientId: string; clientSecret: string }, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", headers, payload: creds });

const REFUSED = envelope(403, "ForbiddenError", "You are not allowed to access this resource from the current IP address");

describe("TRUST_PROXY unset: the socket address, whatever the headers say", () => {
  test("a login refused from 127.0.0.1 stays refused with x-forwarded-for: 10.9.9.9 (or any other client-IP header)", async () => {
    const creds = await secretFrom10_9_9();
    expect((await login(plain, creds)).json()).toEqual(REFUSED);
    for (const header of ["x-forwarded-for", "x-real-ip", "cf-connecting-ip", "true-client-ip", "x-client-ip", "forwarded"]) {
      const value = header === "forwarded" ? "for=10.9.9.9" : "10.9.9.9";
      const res = await login(plain, creds, { [header]: value });
      expect(res.json(), header).toEqual(REFUSED);
    }
  });

  test("an access token allowed only from 10.9.9.9 is refused with a spoofed header", async () => {
    const m = await createIdentityWithToken(plain.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["admin"] });
    await plain.app.inject({
      method: "PATCH",
      url: `/api/v1/auth/universal-auth/identities/${m.identityId}`,
      headers: bearer(admin.token),
      payload: { accessTokenTrustedIps: [{ ipAddress: "10.9.9.9/32" }] },
    });
    const creds = { clientId: m.clientId, clientSecret: m.clientSecret };
    const token = (await login(plain, creds)).json().accessToken as string;
    const res = await plain.app.inject({
      method: "GET",
      url: `/api/v1/dynamic-secrets?projectSlug=${project.slug}&environmentSlug=dev&path=/`,
      headers: { ...bearer(token), "x-forwarded-for": "10.9.9.9" },
    });
    expect(res.json()).toEqual(REFUSED);
  });

  test("audit rows record the socket address, not the header", async () => {
    const res = await plain.app.inject({
      method: "GET",
      url: `/api/v1/dynamic-secrets?projectSlug=${project.slug}&environmentSlug=staging&path=/`,
      headers: { ...bearer(admin.token), "x-forwarded-for": "10.9.9.9", "x-real-ip": "10.9.9.8" },
    });
    expect(res.statusCode).toBe(200);
    expect(await lastAuditIp("staging")).toBe("127.0.0.1");
  });

  test("rate-limit keys: spoofed headers do not buy a fresh budget", async () => {
    const limited = await appWith({ RATE_LIMIT_ENABLED: "true", RATE_LIMIT_READ_PER_MINUTE: "2" });
    const statuses: number[] = [];
    for (const ip of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) {
      const res = await limited.app.inject({
        method: "GET",
        url: `/api/v1/dynamic-secrets?projectSlug=${project.slug}&environmentSlug=dev&path=/`,
        headers: { ...bearer(admin.token), "x-forwarded-for": ip },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe("TRUST_PROXY names the proxy: X-Forwarded-For honoured from it only", () => {
  test("from a trusted proxy: the login passes; in a multi-hop header the right-most untrusted entry is the client", async () => {
    const t = await appWith({ TRUST_PROXY: "127.0.0.1" });
    const creds = await secretFrom10_9_9();
    expect((await login(t, creds, { "x-forwarded-for": "10.9.9.9" })).statusCode).toBe(200);
    // The client wrote 10.9.9.9 itself; our proxy appended the address it saw (192.0.2.7).
    expect((await login(t, creds, { "x-forwarded-for": "10.9.9.9, 192.0.2.7" })).json()).toEqual(REFUSED);
    expect((await login(t, creds, { "x-forwarded-for": "192.0.2.7, 10.9.9.9" })).statusCode).toBe(200);
    // Headers other than X-Forwarded-For are never read.
    expect((await login(t, creds, { "x-real-ip": "10.9.9.9" })).json()).toEqual(REFUSED);
  });

  test("a proxy list and CIDRs: every trusted hop is skipped from the right", async () => {
    const t = await appWith({ TRUST_PROXY: "127.0.0.1, 172.16.0.0/12" });
    const creds = await secretFrom10_9_9();
    expect((await login(t, creds, { "x-forwarded-for": "192.0.2.7, 10.9.9.9, 172.16.4.4" })).statusCode).toBe(200);
    expect((await login(t, creds, { "x-forwarded-for": "10.9.9.9, 192.0.2.7, 172.16.4.4" })).json()).toEqual(REFUSED);
  });

  test("from an address that is not a trusted proxy, the header is ignored", async () => {
    const t = await appWith({ TRUST_PROXY: "10.0.0.0/8" });
    const creds = await secretFrom10_9_9();
    expect((await login(t, creds, { "x-forwarded-for": "10.9.9.9" })).json()).toEqual(REFUSED);
  });

  test("a hop count trusts that many proxies; true trusts every hop (the left-most entry)", async () => {
    const creds = await secretFrom10_9_9();
    const one = await appWith({ TRUST_PROXY: "1" });
    expect((await login(one, creds, { "x-forwarded-for": "10.9.9.9, 192.0.2.7" })).json()).toEqual(REFUSED);
    expect((await login(one, creds, { "x-forwarded-for": "192.0.2.7, 10.9.9.9" })).statusCode).toBe(200);
    const two = await appWith({ TRUST_PROXY: "2" });
    expect((await login(two, creds, { "x-forwarded-for": "10.9.9.9, 192.0.2.7" })).statusCode).toBe(200);
    const all = await appWith({ TRUST_PROXY: "true" });
    expect((await login(all, creds, { "x-forwarded-for": "10.9.9.9, 192.0.2.7, 192.0.2.8" })).statusCode).toBe(200);
  });

  test("audit rows and rate-limit keys use the forwarded client", async () => {
    const t = await appWith({ TRUST_PROXY: "loopback", RATE_LIMIT_ENABLED: "true", RATE_LIMIT_READ_PER_MINUTE: "2" });
    const list = (ip: string) =>
      t.app.inject({
        method: "GET",
        url: `/api/v1/dynamic-secrets?projectSlug=${project.slug}&environmentSlug=prod&path=/`,
        headers: { ...bearer(admin.token), "x-forwarded-for": ip },
      });
    expect((await list("203.0.113.9")).statusCode).toBe(200);
    expect(await lastAuditIp("prod")).toBe("203.0.113.9");
    expect((await list("203.0.113.9")).statusCode).toBe(200);
    expect((await list("203.0.113.9")).statusCode).toBe(429);
    expect((await list("203.0.113.10")).statusCode).toBe(200);
  });
});

async function lastAuditIp(environment: string): Promise<string | null> {
  const rows = await testDb.db
    .selectFrom("audit_logs")
    .select(["ip_address", "event_metadata"])
    .where("event_type", "=", "list-dynamic-secrets")
    .orderBy("created_at", "desc")
    .execute();
  const row = rows.find((r) => (r.event_metadata as { environment?: string } | null)?.environment === environment);
  return row?.ip_address ?? null;
}
