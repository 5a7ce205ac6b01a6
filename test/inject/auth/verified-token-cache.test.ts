import jwt from "jsonwebtoken";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { envelope } from "../../support/envelope.js";
import { buildTestApp, TEST_AUTH_SECRET, type TestApp } from "../../support/app.js";
import { bearer, bootstrapInstance, createIdentityWithToken, createProject, type BootstrappedInstance } from "../../support/factories.js";

// The auth service checks the signature of a given token string once (lib/caches.ts): what a
// token string is allowed to do must still be decided on every request — its exp/nbf against the
// clock, its row (revoked, deleted, uses) in the database — whether it was seen before or not.

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;
let folderCount = 0;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await bootstrapInstance(t.app);
  projectId = (await createProject(t.app, admin.token, { slug: "cache-proj" })).id;
});
afterAll(async () => t.close());
afterEach(() => {
  vi.useRealTimers();
});

/** A protected route reading its token row in a statement of its own (`auth: true`). */
const createFolder = (token: string) =>
  t.app.inject({
    method: "POST",
    url: "/api/v1/folders",
    headers: bearer(token),
    payload: { workspaceId: projectId, environment: "dev", path: "/", name: `f${(folderCount += 1)}` },
  });
/** The PATCH route, whose token row is read by its own statement (`auth: "deferred"`): a missing secret is a 404 once admitted. */
const patchMissing = (token: string) =>
  t.app.inject({
    method: "PATCH",
    url: "/api/v1/dynamic-secrets/no-such-secret",
    headers: bearer(token),
    payload: { projectSlug: "cache-proj", environmentSlug: "dev", path: "/", data: { defaultTTL: "1h" } },
  });

const EXPIRED = envelope(403, "TokenError", "Your token has expired. Please re-authenticate.");
const NO_TOKEN = envelope(401, "UnauthorizedError", "No identity access token found");
/** Moves Date (only) `seconds` ahead; jsonwebtoken and the cache both read Date.now(). */
const advanceClock = (seconds: number) => {
  const now = Date.now();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now + seconds * 1000);
};
const adminClaims = () => ({ ...(jwt.decode(admin.token) as object), authTokenType: "identityAccessToken" });

describe("a token string verified before", () => {
  test("is refused once its exp has passed, on both kinds of protected route", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { iat: _iat, exp: _exp, ...claims } = adminClaims() as Record<string, unknown>;
    const token = jwt.sign({ ...claims, iat: now, exp: now + 60 }, TEST_AUTH_SECRET);
    expect((await createFolder(token)).statusCode).toBe(200);
    expect((await patchMissing(token)).statusCode).toBe(404);
    expect((await createFolder(token)).statusCode).toBe(200);

    advanceClock(61);
    expect((await createFolder(token)).json()).toEqual(EXPIRED);
    expect((await patchMissing(token)).json()).toEqual(EXPIRED);
    // …and stays refused.
    expect((await createFolder(token)).json()).toEqual(EXPIRED);
  });

  test("a token refused as not yet valid is accepted once its nbf has come", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { iat: _iat, exp: _exp, ...claims } = adminClaims() as Record<string, unknown>;
    const token = jwt.sign({ ...claims, nbf: now + 30 }, TEST_AUTH_SECRET);
    expect((await createFolder(token)).json()).toEqual(envelope(403, "TokenError", "jwt not active"));
    advanceClock(31);
    expect((await createFolder(token)).statusCode).toBe(200);
  });

  test("is refused on the very next request once revoked", async () => {
    for (const call of [createFolder, patchMissing]) {
      const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["admin"] });
      expect((await call(m.token)).statusCode).not.toBe(401);
      expect((await call(m.token)).statusCode).not.toBe(401);
      const revoked = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: m.token } });
      expect(revoked.statusCode).toBe(200);
      expect((await call(m.token)).json()).toEqual(NO_TOKEN);
      expect((await createFolder(m.token)).json()).toEqual(NO_TOKEN);
      expect((await patchMissing(m.token)).json()).toEqual(NO_TOKEN);
    }
  });

  test("still counts every use against a uses limit", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, {
      orgId: admin.orgId,
      projectId,
      roles: ["admin"],
      universalAuth: { accessTokenNumUsesLimit: 3 },
    });
    expect((await createFolder(m.token)).statusCode).toBe(200);
    expect((await patchMissing(m.token)).statusCode).toBe(404);
    expect((await createFolder(m.token)).statusCode).toBe(200);
    expect((await createFolder(m.token)).json()).toEqual(
      envelope(401, "UnauthorizedError", "Unable to renew because access token number of uses limit reached"),
    );
  });
});
