import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createIdentityWithToken } from "../../support/factories.js";

// Universal Auth (auth-and-permissions.md §A.6): attach, client secrets, login, lockout.

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());


async function newIdentity(name = `bot-${Math.random().toString(36).slice(2, 8)}`): Promise<string> {
  const response = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name, organizationId: admin.orgId },
  });
  expect(response.statusCode).toBe(200);
  return response.json().identity.id;
}

const attach = (identityId: string, payload: object = {}, token = admin.token) =>
  t.app.inject({ method: "POST", url: `/api/v1/auth/universal-auth/identities/${identityId}`, headers: bearer(token), payload });

const createSecret = (identityId: string, payload: object = {}) =>
  t.app.inject({
    method: "POST",
    url: `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`,
    headers: bearer(admin.token),
    payload,
  });

const login = (clientId: string, clientSecret: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", headers, payload: { clientId, clientSecret } });

async function identityWithSecret(uaConfig: object = {}, secretConfig: object = {}) {
  const identityId = await newIdentity();
  const ua = (await attach(identityId, uaConfig)).json().identityUniversalAuth;
  const secret = (await createSecret(identityId, secretConfig)).json();
  return { identityId, clientId: ua.clientId as string, clientSecret: secret.clientSecret as string, secretId: secret.clientSecretData.id as string };
}

describe("attach Universal Auth", () => {
  test("defaults, response shape, stored ranges", async () => {
    const identityId = await newIdentity();
    const response = await attach(identityId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      identityUniversalAuth: {
        id: expect.any(String),
        clientId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        accessTokenTTL: 2592000,
        accessTokenMaxTTL: 2592000,
        accessTokenNumUsesLimit: 0,
        clientSecretTrustedIps: [
          { ipAddress: "0.0.0.0", type: "ipv4", prefix: 0 },
          { ipAddress: "::", type: "ipv6", prefix: 0 },
        ],
        accessTokenTrustedIps: [
          { ipAddress: "0.0.0.0", type: "ipv4", prefix: 0 },
          { ipAddress: "::", type: "ipv6", prefix: 0 },
        ],
        accessTokenPeriod: 0,
        lockoutEnabled: true,
        lockoutThreshold: 3,
        lockoutDurationSeconds: 300,
        lockoutCounterResetSeconds: 30,
        identityId,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
  });

  test("errors: twice, unknown identity, bad IP, TTL above max, bounds", async () => {
    const identityId = await newIdentity();
    expect((await attach(identityId)).statusCode).toBe(200);
    expect((await attach(identityId)).json()).toEqual(
      envelope(400, "BadRequest", "Failed to add universal auth to already configured identity"),
    );
    expect((await attach("00000000-0000-4000-8000-000000000000")).json()).toEqual(
      envelope(404, "NotFound", "Failed to find identity with ID 00000000-0000-4000-8000-000000000000"),
    );
    const other = await newIdentity();
    expect((await attach(other, { accessTokenTrustedIps: [{ ipAddress: "10.0.0.300/8" }] })).json()).toEqual(
      envelope(400, "BadRequest", "The IP is not a valid IPv4, IPv6, or CIDR block"),
    );
    const ttl = await attach(other, { accessTokenTTL: 100, accessTokenMaxTTL: 50 });
    expect(ttl.statusCode).toBe(422);
    expect(ttl.json().message).toEqual([expect.objectContaining({ message: "Access Token TTL cannot be greater than Access Token Max TTL." })]);
    const bounds = await attach(other, { lockoutThreshold: 0, accessTokenTrustedIps: [] });
    expect(bounds.statusCode).toBe(422);
    expect(bounds.json().message.map((i: { path: string[] }) => i.path.join(".")).sort()).toEqual(["accessTokenTrustedIps", "lockoutThreshold"]);
  });

  test("an identity with org role no-access cannot attach UA to others", async () => {
    const weak = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const target = await newIdentity();
    const response = await attach(target, {}, weak.token);
    expect(response.json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to create on identity",
      details: [],
      error: "PermissionDenied",
    });
  });
});

describe("client secrets", () => {
  test("shown once; stored as prefix + slow hash", async () => {
    const identityId = await newIdentity();
    await attach(identityId);
    const response = await createSecret(identityId, { description: "ci" });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      clientSecret: expect.stringMatching(/^[0-9a-f]{64}$/),
      clientSecretData: {
        id: expect.any(String),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        description: "ci",
        clientSecretPrefix: body.clientSecret.slice(0, 4),
        clientSecretNumUses: 0,
        clientSecretNumUsesLimit: 0,
        clientSecretTTL: 0,
        identityUAId: expect.any(String),
        isClientSecretRevoked: false,
      },
    });
    const row = await t.container.db
      .selectFrom("identity_ua_client_secrets")
      .selectAll()
      .where("id", "=", body.clientSecretData.id)
      .executeTakeFirstOrThrow();
    expect(row.client_secret_hash).toMatch(/^scrypt\$/);
    expect(row.client_secret_hash).not.toContain(body.clientSecret);
  });

  test("no Universal Auth → 400", async () => {
    const identityId = await newIdentity();
    expect((await createSecret(identityId)).json()).toEqual(envelope(400, "BadRequest", "The identity does not have universal auth"));
  });

  test("revoked secrets no longer log in", async () => {
    const s = await identityWithSecret({ lockoutEnabled: false });
    const revoke = await t.app.inject({
      method: "POST",
      url: `/api/v1/auth/universal-auth/identities/${s.identityId}/client-secrets/${s.secretId}/revoke`,
      headers: bearer(admin.token),
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json().clientSecretData).toMatchObject({ id: s.secretId, isClientSecretRevoked: true });
    expect((await login(s.clientId, s.clientSecret)).json()).toEqual(envelope(401, "UnauthorizedError", "Invalid credentials"));
  });
});

describe("login", () => {
  test("returns a Bearer token with the UA's TTLs; values are trimmed", async () => {
    const s = await identityWithSecret({ accessTokenTTL: 900, accessTokenMaxTTL: 1800 });
    const response = await login(` ${s.clientId} `, ` ${s.clientSecret}\n`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accessToken: expect.any(String), expiresIn: 900, accessTokenMaxTTL: 1800, tokenType: "Bearer" });
    const secret = await t.container.db
      .selectFrom("identity_ua_client_secrets")
      .select(["client_secret_num_uses", "client_secret_last_used_at"])
      .where("id", "=", s.secretId)
      .executeTakeFirstOrThrow();
    expect(secret.client_secret_num_uses).toBe(1);
    expect(secret.client_secret_last_used_at).toBeInstanceOf(Date);
  });

  test("periodic tokens: TTL = period, max TTL 1e9", async () => {
    const s = await identityWithSecret({ accessTokenPeriod: 3600 });
    expect((await login(s.clientId, s.clientSecret)).json()).toMatchObject({ expiresIn: 3600, accessTokenMaxTTL: 1_000_000_000 });
  });

  test("unknown client id and wrong secret are the same 401", async () => {
    const s = await identityWithSecret({ lockoutEnabled: false });
    expect((await login("nope", s.clientSecret)).json()).toEqual(envelope(401, "UnauthorizedError", "Invalid credentials"));
    expect((await login(s.clientId, `${s.clientSecret.slice(0, 4)}${"0".repeat(60)}`)).json()).toEqual(
      envelope(401, "UnauthorizedError", "Invalid credentials"),
    );
  });

  test("F.1 #15 lockout: three failures lock the method, even for the right secret", async () => {
    const s = await identityWithSecret({ lockoutEnabled: true, lockoutThreshold: 3 });
    for (let i = 0; i < 3; i += 1) {
      expect((await login(s.clientId, "wrong")).json()).toEqual(envelope(401, "UnauthorizedError", "Invalid credentials"));
    }
    expect((await login(s.clientId, s.clientSecret)).json()).toEqual(
      envelope(401, "UnauthorizedError", "This identity auth method is temporarily locked, please try again later"),
    );
    const ua = await t.container.db
      .selectFrom("identity_universal_auths")
      .select(["locked_until"])
      .where("identity_id", "=", s.identityId)
      .executeTakeFirstOrThrow();
    expect(ua.locked_until).toBeInstanceOf(Date);
    // Once the lock has passed, the right secret works and clears the state.
    await sql`UPDATE identity_universal_auths SET locked_until = now() - interval '1 second' WHERE identity_id = ${s.identityId}`.execute(
      t.container.db,
    );
    expect((await login(s.clientId, s.clientSecret)).statusCode).toBe(200);
  });

  test("a successful login resets the failure counter", async () => {
    const s = await identityWithSecret({ lockoutEnabled: true, lockoutThreshold: 3 });
    await login(s.clientId, "wrong");
    await login(s.clientId, "wrong");
    expect((await login(s.clientId, s.clientSecret)).statusCode).toBe(200);
    await login(s.clientId, "wrong");
    await login(s.clientId, "wrong");
    expect((await login(s.clientId, s.clientSecret)).statusCode).toBe(200);
  });

  test("lockout disabled: failures never lock", async () => {
    const s = await identityWithSecret({ lockoutEnabled: false });
    for (let i = 0; i < 5; i += 1) await login(s.clientId, "wrong");
    expect((await login(s.clientId, s.clientSecret)).statusCode).toBe(200);
  });

  test("client secret usage limit and TTL", async () => {
    const limited = await identityWithSecret({ lockoutEnabled: false }, { numUsesLimit: 1 });
    expect((await login(limited.clientId, limited.clientSecret)).statusCode).toBe(200);
    expect((await login(limited.clientId, limited.clientSecret)).json()).toEqual(
      envelope(401, "UnauthorizedError", "Access denied due to client secret usage limit reached"),
    );

    const expiring = await identityWithSecret({ lockoutEnabled: false }, { ttl: 60 });
    await sql`UPDATE identity_ua_client_secrets SET created_at = now() - interval '2 minutes' WHERE id = ${expiring.secretId}`.execute(
      t.container.db,
    );
    expect((await login(expiring.clientId, expiring.clientSecret)).json()).toEqual(
      envelope(401, "UnauthorizedError", "Access denied due to expired client secret"),
    );
    const row = await t.container.db
      .selectFrom("identity_ua_client_secrets")
      .select("is_client_secret_revoked")
      .where("id", "=", expiring.secretId)
      .executeTakeFirstOrThrow();
    expect(row.is_client_secret_revoked).toBe(true);
  });

  test("a client secret with one use left logs in exactly once under concurrency", async () => {
    const s = await identityWithSecret({ lockoutEnabled: false }, { numUsesLimit: 1 });
    const responses = await Promise.all(Array.from({ length: 5 }, () => login(s.clientId, s.clientSecret)));
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of responses.filter((r) => r.statusCode !== 200)) {
      expect(r.json()).toEqual(envelope(401, "UnauthorizedError", "Access denied due to client secret usage limit reached"));
    }
    const tokens = await t.container.db
      .selectFrom("identity_access_tokens")
      .select("id")
      .where("identity_ua_client_secret_id", "=", s.secretId)
      .execute();
    expect(tokens).toHaveLength(1);
  });

  test("client-secret trusted IPs gate the login (the socket address; proxy headers only via TRUST_PROXY, D37)", async () => {
    const s = await identityWithSecret({ lockoutEnabled: false, clientSecretTrustedIps: [{ ipAddress: "10.1.0.0/16" }] });
    for (const headers of [{}, { "x-forwarded-for": "10.1.2.3" }, { "x-real-ip": "10.1.2.3" }] as Record<string, string>[]) {
      expect((await login(s.clientId, s.clientSecret, headers)).json()).toEqual(
        envelope(403, "ForbiddenError", "You are not allowed to access this resource from the current IP address"),
      );
    }
    const local = await identityWithSecret({ lockoutEnabled: false, clientSecretTrustedIps: [{ ipAddress: "127.0.0.0/8" }] });
    expect((await login(local.clientId, local.clientSecret)).statusCode).toBe(200);
  });
});

describe("secrets at rest", () => {
  test("neither the client secret nor an access token appears in any table", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    await t.app.inject({ method: "POST", url: "/api/v1/auth/token/renew", payload: { accessToken: m.token } });
    const { rows: tables } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(t.container.db);
    expect(tables.length).toBeGreaterThan(10);
    const needles = [m.clientSecret, m.token, admin.token, m.token.split(".")[2]!, "correct horse battery staple"];
    for (const { table_name } of tables) {
      const { rows } = await sql<{ dump: string }>`SELECT t::text AS dump FROM ${sql.table(table_name)} t`.execute(t.container.db);
      for (const { dump } of rows) for (const needle of needles) expect(dump).not.toContain(needle);
    }
  });
});

describe("GET / PATCH / DELETE Universal Auth", () => {
  const ua = (method: "GET" | "PATCH" | "DELETE", identityId: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1/auth/universal-auth/identities/${identityId}`, headers: bearer(admin.token), ...(payload ? { payload } : {}) });

  test("read, update (absent keeps), TTL rule after the merge", async () => {
    const s = await identityWithSecret({ accessTokenTTL: 600, accessTokenMaxTTL: 1200 });
    expect((await ua("GET", s.identityId)).json().identityUniversalAuth).toMatchObject({ clientId: s.clientId, accessTokenTTL: 600 });
    const patched = await ua("PATCH", s.identityId, { accessTokenTTL: 900, accessTokenTrustedIps: [{ ipAddress: "10.0.0.0/8" }] });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().identityUniversalAuth).toMatchObject({
      accessTokenTTL: 900,
      accessTokenMaxTTL: 1200,
      accessTokenTrustedIps: [{ ipAddress: "10.0.0.0", type: "ipv4", prefix: 8 }],
      lockoutEnabled: true,
    });
    expect((await ua("PATCH", s.identityId, { accessTokenTTL: 5000 })).json()).toEqual(
      envelope(400, "BadRequest", "Access token TTL cannot be greater than max TTL"),
    );
    expect((await ua("PATCH", s.identityId, {})).statusCode).toBe(200);
  });

  test("a changed allow-list applies to existing tokens on their next request", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "admin" });
    const create = () => t.app.inject({ method: "GET", url: `/api/v1/auth/universal-auth/identities/${m.identityId}`, headers: bearer(m.token) });
    expect((await create()).statusCode).toBe(200);
    await ua("PATCH", m.identityId, { accessTokenTrustedIps: [{ ipAddress: "10.9.9.9" }] });
    expect((await create()).statusCode).toBe(403);
  });

  test("DELETE detaches Universal Auth and ends its tokens", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "admin" });
    const removed = await ua("DELETE", m.identityId);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().identityUniversalAuth.clientId).toBe(m.clientId);
    expect((await login(m.clientId, m.clientSecret)).json()).toEqual(envelope(401, "UnauthorizedError", "Invalid credentials"));
    const after = await t.app.inject({ method: "GET", url: `/api/v1/auth/universal-auth/identities/${m.identityId}`, headers: bearer(m.token) });
    expect(after.json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
    expect((await ua("GET", m.identityId)).json()).toEqual(envelope(400, "BadRequest", "The identity does not have universal auth"));
  });
});
