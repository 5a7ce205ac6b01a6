import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { bearer } from "../../support/factories.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const body = { email: " Admin@Example.com ", password: "s3cret-password!", organization: "acme" };

describe("POST /api/v1/admin/bootstrap", () => {
  test("sets the instance up once and returns a non-expiring admin token backed by a row", async () => {
    const response = await t.app.inject({ method: "POST", url: "/api/v1/admin/bootstrap", payload: body });
    expect(response.statusCode).toBe(200);
    const json = response.json();
    expect(json).toEqual({
      message: "Successfully bootstrapped instance",
      user: {
        id: expect.any(String),
        username: "admin@example.com",
        email: "admin@example.com",
        firstName: "Admin",
        lastName: "User",
        superAdmin: true,
      },
      organization: { id: expect.any(String), name: "acme", slug: expect.stringMatching(/^acme-[a-z0-9]{4}$/) },
      identity: { id: expect.any(String), name: "Instance Admin Identity", credentials: { token: expect.any(String) } },
    });

    const token: string = json.identity.credentials.token;
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(payload).toEqual({
      identityId: json.identity.id,
      identityAccessTokenId: expect.any(String),
      authTokenType: "identityAccessToken",
      iat: expect.any(Number),
    });
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });

    const db = t.container.db;
    const row = await db.selectFrom("identity_access_tokens").selectAll().where("id", "=", payload.identityAccessTokenId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      identity_id: json.identity.id,
      name: "Instance Admin Token",
      auth_method: "token-auth",
      access_token_ttl: 0,
      access_token_max_ttl: 0,
      is_access_token_revoked: false,
    });
    const membership = await db.selectFrom("org_memberships").selectAll().where("identity_id", "=", json.identity.id).executeTakeFirstOrThrow();
    expect(membership).toMatchObject({ org_id: json.organization.id, role: "admin" });
    const settings = await db.selectFrom("instance_settings").selectAll().executeTakeFirstOrThrow();
    expect(settings).toMatchObject({ id: 1, initialized: true, instance_admin_identity_id: json.identity.id });
    const user = await db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$/);
    expect(user.password_hash).not.toContain(body.password);

    // The token authenticates (the org admin can create a project).
    const project = await t.app.inject({
      method: "POST",
      url: "/api/v2/workspace",
      headers: bearer(token),
      payload: { projectName: "first", slug: "first-project" },
    });
    expect(project.statusCode).toBe(200);
  });

  test("a second call is the 400 of an initialized instance", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/admin/bootstrap",
      payload: { ...body, email: "other@example.com" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      reqId: expect.any(String),
      statusCode: 400,
      message: "Instance has already been set up",
      error: "BadRequest",
    });
  });

  test("validates the body (422)", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/admin/bootstrap",
      payload: { email: "not-an-email", password: "", organization: "x" },
    });
    expect(response.statusCode).toBe(422);
    const json = response.json();
    expect(json.error).toBe("ValidationFailure");
    expect(json.message.map((issue: { path: string[] }) => issue.path[0]).sort()).toEqual(["email", "password"]);
  });
});

describe("bootstrap races", () => {
  test("concurrent bootstraps on an empty instance: exactly one succeeds", async () => {
    const fresh = await buildTestApp();
    try {
      const responses = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          fresh.app.inject({ method: "POST", url: "/api/v1/admin/bootstrap", payload: { ...body, email: `a${i}@example.com` } }),
        ),
      );
      expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400, 400, 400]);
      const orgs = await fresh.container.db.selectFrom("organizations").select("id").execute();
      expect(orgs).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });
});
