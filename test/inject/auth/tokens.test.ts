import jwt from "jsonwebtoken";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import { buildTestApp, TEST_AUTH_SECRET, type TestApp } from "../../support/app.js";
import { bearer, bootstrapInstance, type BootstrappedInstance, buildAppWithProject, createIdentityWithToken } from "../../support/factories.js";

// Bearer verification and its error catalogue (auth-and-permissions.md §A.3, §A.4.3, §F.1),
// through a protected set-up route (POST /api/v1/folders).

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;
let folderCount = 0;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("ds-proj"));
});
afterAll(async () => t.close());

const folderBody = () => ({ workspaceId: projectId, environment: "dev", path: "/", name: `f${(folderCount += 1)}` });

function call(headers: Record<string, string>, payload: unknown = folderBody()) {
  return t.app.inject({ method: "POST", url: "/api/v1/folders", headers, payload: payload as object });
}


const member = (universalAuth: Record<string, unknown> = {}) =>
  createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["member"], universalAuth });

const claimsOf = (token: string) => jwt.decode(token) as { identityId: string; identityAccessTokenId: string; clientSecretId?: string };

describe("token errors", () => {
  test("F.1 #1 no Authorization → 401 Token missing", async () => {
    const response = await call({});
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
  });

  test("F.1 #2 auth beats body validation", async () => {
    const response = await call({}, { environment: "" });
    expect(response.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
  });

  test("D14 auth runs before body parsing: malformed JSON, wrong content type", async () => {
    const malformed = await t.app.inject({
      method: "POST",
      url: "/api/v1/folders",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
    const text = await t.app.inject({ method: "POST", url: "/api/v1/folders", headers: { "content-type": "text/plain" }, payload: "x" });
    expect(text.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
    const withToken = await t.app.inject({
      method: "POST",
      url: "/api/v1/folders",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      payload: "{not json",
    });
    expect(withToken.statusCode).toBe(400);
  });

  test.each([
    ["Bearer", "jwt must be provided"],
    ["Bearer ", "jwt must be provided"],
    ["Bearer abc", "The provided access token is malformed. Please use a valid token or generate a new one and try again."],
    ["Bearer a.b.c", "invalid token"],
  ])("F.1 #3/#4 %j → 403 TokenError", async (authorization, message) => {
    const response = await call({ authorization });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual(envelope(403, "TokenError", message));
  });

  test("F.1 #5 signed with another secret → invalid signature", async () => {
    const forged = jwt.sign({ ...claimsOf(admin.token), authTokenType: "identityAccessToken" }, "some-other-secret-of-sufficient-length");
    expect((await call(bearer(forged))).json()).toEqual(envelope(403, "TokenError", "invalid signature"));
  });

  test("unsigned (alg none) and non-HMAC tokens", async () => {
    const payload = Buffer.from(JSON.stringify({ ...claimsOf(admin.token), authTokenType: "identityAccessToken" })).toString("base64url");
    const header = (alg: string) => Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url");
    expect((await call(bearer(`${header("none")}.${payload}.`))).json()).toEqual(envelope(403, "TokenError", "jwt signature is required"));
    expect((await call(bearer(`${header("RS256")}.${payload}.c2ln`))).json()).toEqual(
      envelope(403, "TokenError", "The access token is signed with an invalid algorithm. Please provide a valid token and try again."),
    );
  });

  test("expired and not-yet-valid JWTs", async () => {
    const claims = { ...claimsOf(admin.token), authTokenType: "identityAccessToken" };
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ ...claims, iat: now - 100, exp: now - 10 }, TEST_AUTH_SECRET);
    expect((await call(bearer(expired))).json()).toEqual(envelope(403, "TokenError", "Your token has expired. Please re-authenticate."));
    const early = jwt.sign({ ...claims, nbf: now + 3600 }, TEST_AUTH_SECRET);
    expect((await call(bearer(early))).json()).toEqual(envelope(403, "TokenError", "jwt not active"));
  });

  test("F.1 #6 a correctly signed non-identity token is no authentication", async () => {
    const refresh = jwt.sign({ ...claimsOf(admin.token), authTokenType: "refreshToken" }, TEST_AUTH_SECRET);
    expect((await call(bearer(refresh))).json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
  });

  test("F.1 #7 x-api-key → 400 even with a valid token", async () => {
    const response = await call({ ...bearer(admin.token), "x-api-key": "anything" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(
      envelope(400, "BadRequest", "API key authentication is not supported anymore. Please switch to identity authentication."),
    );
  });

  test("F.1 #8 service tokens → 404", async () => {
    const response = await call(bearer("st.00000000-0000-0000-0000-000000000000.abc"));
    expect(response.json()).toEqual(
      envelope(404, "NotFound", "Service token with ID '00000000-0000-0000-0000-000000000000' not found"),
    );
  });

  test("F.1 #16 the prefix is cut, not parsed: `Token <jwt>` loses a character", async () => {
    expect((await call({ authorization: `Token ${admin.token}` })).json()).toEqual(envelope(403, "TokenError", "invalid token"));
    expect((await call({ authorization: `bearer ${admin.token}` })).statusCode).toBe(200);
  });

  test("a well-signed token naming no row → 401", async () => {
    const ghost = jwt.sign(
      { identityId: admin.identityId, identityAccessTokenId: "11111111-1111-4111-8111-111111111111", authTokenType: "identityAccessToken" },
      TEST_AUTH_SECRET,
    );
    expect((await call(bearer(ghost))).json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
  });
});

describe("token rows: TTL, uses, IPs, revocation, renewal", () => {
  test("F.1 #9 JWT exp from the UA TTL", async () => {
    const m = await member({ accessTokenTTL: 120, accessTokenMaxTTL: 600 });
    const decoded = jwt.decode(m.token) as { iat: number; exp: number; clientSecretId: string };
    expect(decoded.exp - decoded.iat).toBe(120);
    expect(decoded.clientSecretId).toEqual(expect.any(String));
  });

  test("the row's TTL is enforced even when the JWT has no exp; the row is deleted", async () => {
    const m = await member({ accessTokenTTL: 60, accessTokenMaxTTL: 60 });
    const { identityAccessTokenId } = claimsOf(m.token);
    await sql`UPDATE identity_access_tokens SET created_at = now() - interval '2 minutes' WHERE id = ${identityAccessTokenId}`.execute(t.container.db);
    const noExp = jwt.sign({ ...claimsOf(m.token), authTokenType: "identityAccessToken" }, TEST_AUTH_SECRET);
    expect((await call(bearer(noExp))).json()).toEqual(
      envelope(401, "UnauthorizedError", "Failed to renew MI access token due to TTL expiration"),
    );
    const row = await t.container.db.selectFrom("identity_access_tokens").select("id").where("id", "=", identityAccessTokenId).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  test("F.1 #10 revoke → 200, then 401 No identity access token found", async () => {
    const m = await member();
    expect((await call(bearer(m.token))).statusCode).toBe(200);
    const revoke = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: m.token } });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toEqual({ message: "Successfully revoked access token" });
    expect((await call(bearer(m.token))).json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
    const again = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: m.token } });
    expect(again.json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
  });

  test("the bootstrap token can be revoked like any other", async () => {
    const fresh = await buildTestApp();
    try {
      const boot = await bootstrapInstance(fresh.app);
      await fresh.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: boot.token } });
      const response = await fresh.app.inject({
        method: "POST",
        url: "/api/v2/workspace",
        headers: bearer(boot.token),
        payload: { projectName: "x" },
      });
      expect(response.json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
    } finally {
      await fresh.close();
    }
  });

  test("F.1 #11 uses limit 1: one request, then 401 and the row is gone", async () => {
    const m = await member({ accessTokenNumUsesLimit: 1 });
    expect((await call(bearer(m.token))).statusCode).toBe(200);
    expect((await call(bearer(m.token))).json()).toEqual(
      envelope(401, "UnauthorizedError", "Unable to renew because access token number of uses limit reached"),
    );
    expect((await call(bearer(m.token))).json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
  });

  test("uses limit under concurrency: exactly N of many parallel requests pass", async () => {
    const m = await member({ accessTokenNumUsesLimit: 3 });
    const responses = await Promise.all(Array.from({ length: 8 }, () => call(bearer(m.token))));
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(3);
    expect(responses.filter((r) => r.statusCode === 401)).toHaveLength(5);
  });

  test("F.1 #12/#13 trusted IPs: the socket address decides, not X-Forwarded-For (D37); refused requests use nothing", async () => {
    const m = await member({ accessTokenTrustedIps: [{ ipAddress: "10.0.0.1/32" }], accessTokenNumUsesLimit: 1 });
    const refused = await call({ ...bearer(m.token), "x-forwarded-for": "10.0.0.1" });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual(
      envelope(403, "ForbiddenError", "You are not allowed to access this resource from the current IP address"),
    );
    const { identityAccessTokenId } = claimsOf(m.token);
    const row = await t.container.db
      .selectFrom("identity_access_tokens")
      .select("access_token_num_uses")
      .where("id", "=", identityAccessTokenId)
      .executeTakeFirstOrThrow();
    expect(row.access_token_num_uses).toBe(0);
    expect((await call({ ...bearer(m.token), "x-forwarded-for": "10.0.0.1, 172.16.0.1" })).statusCode).toBe(403);
    // Forwarded addresses count only from a proxy named by TRUST_PROXY: test/inject/auth/trust-proxy.test.ts.
  });

  test("F.1 #14 renew → a new JWT for the same row; both work", async () => {
    const m = await member({ accessTokenTTL: 300, accessTokenMaxTTL: 3600 });
    const renew = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/renew", payload: { accessToken: m.token } });
    expect(renew.statusCode).toBe(200);
    const body = renew.json();
    expect(body).toEqual({ accessToken: expect.any(String), expiresIn: 300, accessTokenMaxTTL: 3600, tokenType: "Bearer" });
    expect(claimsOf(body.accessToken).identityAccessTokenId).toBe(claimsOf(m.token).identityAccessTokenId);
    expect((await call(bearer(body.accessToken))).statusCode).toBe(200);
    expect((await call(bearer(m.token))).statusCode).toBe(200);
    const row = await t.container.db
      .selectFrom("identity_access_tokens")
      .select("access_token_last_renewed_at")
      .where("id", "=", claimsOf(m.token).identityAccessTokenId)
      .executeTakeFirstOrThrow();
    expect(row.access_token_last_renewed_at).toBeInstanceOf(Date);
  });

  test("renew past the max TTL → 401 and the row is deleted", async () => {
    const m = await member({ accessTokenTTL: 60, accessTokenMaxTTL: 60 });
    const renew = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/renew", payload: { accessToken: m.token } });
    expect(renew.json()).toEqual(envelope(401, "UnauthorizedError", "Failed to renew MI access token past its Max TTL expiration"));
    expect((await call(bearer(m.token))).json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
  });

  test("renew/revoke of non-identity tokens and bad JWTs", async () => {
    const refresh = jwt.sign({ ...claimsOf(admin.token), authTokenType: "refreshToken" }, TEST_AUTH_SECRET);
    const renew = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/renew", payload: { accessToken: refresh } });
    expect(renew.json()).toEqual(envelope(400, "BadRequest", "Only identity access tokens can be renewed"));
    const revoke = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: refresh } });
    expect(revoke.json()).toEqual(envelope(401, "UnauthorizedError", "Only identity access tokens can be revoked"));
    const bad = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/renew", payload: { accessToken: "abc" } });
    expect(bad.json()).toEqual(
      envelope(403, "TokenError", "The provided access token is malformed. Please use a valid token or generate a new one and try again."),
    );
  });
});
