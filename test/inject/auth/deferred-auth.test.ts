import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createFolder, createIdentityWithToken } from "../../support/factories.js";

// PATCH /api/v1/dynamic-secrets/{name} authenticates "deferred" (auth.plugin): the token's row is
// read in the request's one resolving statement instead of a statement of its own. The contract
// must stay the one of every other protected route: the token's errors first — before body,
// validation and project errors —, uses counted exactly once, refused requests use nothing, and a
// revoked token, a deleted identity or a deactivated org membership refused on the very next request.

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;
const SLUG = "deferred-proj";
let version = 0;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject(SLUG));
  await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/", name: "app" });
  const created = await t.app.inject({
    method: "POST",
    url: "/api/v1/dynamic-secrets",
    headers: bearer(admin.token),
    payload: {
      projectSlug: SLUG,
      environmentSlug: "dev",
      path: "/app",
      name: "ds",
      provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
      defaultTTL: "1h",
    },
  });
  expect(created.statusCode, created.body).toBe(200);
  version = 1;
});
afterAll(async () => t?.close());

const locator = { projectSlug: SLUG, environmentSlug: "dev", path: "/app" };
let ttl = 0;
const validBody = () => ({ ...locator, data: { defaultTTL: `${(ttl += 1) % 2 ? 2 : 3}h` } });
const invalidBody = { ...locator, data: { defaultTTL: "not a duration" } };

function patch(headers: Record<string, string>, payload: unknown = validBody(), name = "ds") {
  return t.app.inject({ method: "PATCH", url: `/api/v1/dynamic-secrets/${name}`, headers, payload: payload as object });
}

const member = (universalAuth: Record<string, unknown> = {}) =>
  createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["admin"], universalAuth });

const tokenIdOf = (token: string) => (jwt.decode(token) as { identityAccessTokenId: string }).identityAccessTokenId;
const usesOf = async (token: string) =>
  (
    await t.container.db
      .selectFrom("identity_access_tokens")
      .select("access_token_num_uses")
      .where("id", "=", tokenIdOf(token))
      .executeTakeFirst()
  )?.access_token_num_uses;

async function expectVersion(expected: number) {
  const row = await t.container.db.selectFrom("dynamic_secrets").select("version").where("name", "=", "ds").executeTakeFirstOrThrow();
  expect(row.version).toBe(expected);
}

const NO_TOKEN = envelope(401, "UnauthorizedError", "No identity access token found");

describe("the token's errors come first, as on every protected route", () => {
  test("a working token PATCHes (and the audit row names its identity)", async () => {
    const m = await member();
    const response = await patch(bearer(m.token));
    expect(response.statusCode, response.body).toBe(200);
    await expectVersion((version += 1));
    const audit = await t.container.db
      .selectFrom("audit_logs")
      .select(["actor", "actor_metadata"])
      .where("event_type", "=", "update-dynamic-secret")
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe("identity");
    expect(audit.actor_metadata).toMatchObject({ identityId: m.identityId });
  });

  test("no token, with a valid, an invalid or a malformed body → 401 Token missing", async () => {
    for (const payload of [validBody(), invalidBody]) {
      expect((await patch({}, payload)).json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
    }
    const malformed = await t.app.inject({
      method: "PATCH",
      url: "/api/v1/dynamic-secrets/ds",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
  });

  test("a revoked token → 401 whatever else is wrong with the request, and nothing changes", async () => {
    const m = await member();
    const revoked = await t.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: m.token } });
    expect(revoked.statusCode).toBe(200);
    expect((await patch(bearer(m.token))).json()).toEqual(NO_TOKEN);
    expect((await patch(bearer(m.token), invalidBody)).json()).toEqual(NO_TOKEN);
    expect((await patch(bearer(m.token), { ...validBody(), projectSlug: "no-such-project" })).json()).toEqual(NO_TOKEN);
    expect((await patch(bearer(m.token), validBody(), "no-such-secret")).json()).toEqual(NO_TOKEN);
    const malformed = await t.app.inject({
      method: "PATCH",
      url: "/api/v1/dynamic-secrets/ds",
      headers: { ...bearer(m.token), "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.json()).toEqual(NO_TOKEN);
    await expectVersion(version);
  });

  test("a deleted identity and a deactivated org membership are refused on the next request", async () => {
    const gone = await member();
    expect((await patch(bearer(gone.token))).statusCode).toBe(200);
    await expectVersion((version += 1));
    const deleted = await t.app.inject({ method: "DELETE", url: `/api/v1/identities/${gone.identityId}`, headers: bearer(admin.token) });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect((await patch(bearer(gone.token))).json()).toEqual(NO_TOKEN);

    const inactive = await member();
    await t.container.db.updateTable("org_memberships").set({ is_active: false }).where("identity_id", "=", inactive.identityId).execute();
    const refused = envelope(400, "BadRequest", "Identity does not belong to this organization");
    expect((await patch(bearer(inactive.token))).json()).toEqual(refused);
    expect((await patch(bearer(inactive.token), invalidBody)).json()).toEqual(refused);
    await expectVersion(version);
  });

  test("after the token: project 404, then the body's own errors", async () => {
    const m = await member();
    const missing = await patch(bearer(m.token), { ...validBody(), projectSlug: "no-such-project" });
    expect(missing.json()).toEqual(envelope(404, "NotFound", "Project with slug 'no-such-project' not found"));
    expect((await patch(bearer(m.token), invalidBody)).statusCode).toBe(422);
  });
});

describe("uses and IP allow-lists", () => {
  test("uses limit 1: one PATCH, then 401 exhausted and the row is gone", async () => {
    const m = await member({ accessTokenNumUsesLimit: 1 });
    expect((await patch(bearer(m.token))).statusCode).toBe(200);
    await expectVersion((version += 1));
    expect((await patch(bearer(m.token))).json()).toEqual(
      envelope(401, "UnauthorizedError", "Unable to renew because access token number of uses limit reached"),
    );
    expect(await usesOf(m.token)).toBeUndefined();
    expect((await patch(bearer(m.token))).json()).toEqual(NO_TOKEN);
    await expectVersion(version);
  });

  test("a request refused for its body still uses the token once, as with auth in onRequest", async () => {
    const m = await member({ accessTokenNumUsesLimit: 2 });
    expect((await patch(bearer(m.token), invalidBody)).statusCode).toBe(422);
    expect(await usesOf(m.token)).toBe(1);
    expect((await patch(bearer(m.token))).statusCode).toBe(200);
    await expectVersion((version += 1));
    expect(await usesOf(m.token)).toBe(2);
    expect((await patch(bearer(m.token))).statusCode).toBe(401);
  });

  test("uses limit under concurrency: exactly N of many parallel PATCHes pass", async () => {
    const m = await member({ accessTokenNumUsesLimit: 3 });
    const responses = await Promise.all(Array.from({ length: 8 }, () => patch(bearer(m.token))));
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(3);
    expect(responses.filter((r) => r.statusCode === 401)).toHaveLength(5);
    await expectVersion((version += 3));
  });

  test("a refused IP → 403 before anything else, and the use is given back", async () => {
    const m = await member({ accessTokenTrustedIps: [{ ipAddress: "10.0.0.1/32" }], accessTokenNumUsesLimit: 1 });
    const forbidden = envelope(403, "ForbiddenError", "You are not allowed to access this resource from the current IP address");
    expect((await patch(bearer(m.token))).json()).toEqual(forbidden);
    expect((await patch(bearer(m.token), invalidBody)).json()).toEqual(forbidden);
    expect(await usesOf(m.token)).toBe(0);
    await expectVersion(version);
  });
});

describe("lease creation authenticates the same way", () => {
  const leaseBody = { ...locator, dynamicSecretName: "ds" };
  const createLease = (headers: Record<string, string>, payload: unknown = leaseBody) =>
    t.app.inject({ method: "POST", url: "/api/v1/dynamic-secrets/leases", headers, payload: payload as object });
  const leaseCount = async () =>
    Number((await t.container.db.selectFrom("dynamic_secret_leases").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  test("a working token creates a lease; a revoked one → 401 before body or project errors, and no lease", async () => {
    const m = await member();
    const created = await createLease(bearer(m.token));
    expect(created.statusCode, created.body).toBe(200);
    const before = await leaseCount();
    await t.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: m.token } });
    expect((await createLease(bearer(m.token))).json()).toEqual(NO_TOKEN);
    expect((await createLease(bearer(m.token), { ...leaseBody, ttl: 42 })).json()).toEqual(NO_TOKEN);
    expect((await createLease(bearer(m.token), { ...leaseBody, projectSlug: "no-such-project" })).json()).toEqual(NO_TOKEN);
    expect(await leaseCount()).toBe(before);
  });

  test("uses limit 1: one lease, then 401 exhausted", async () => {
    const m = await member({ accessTokenNumUsesLimit: 1 });
    expect((await createLease(bearer(m.token))).statusCode).toBe(200);
    expect((await createLease(bearer(m.token))).json()).toEqual(
      envelope(401, "UnauthorizedError", "Unable to renew because access token number of uses limit reached"),
    );
  });
});
