import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { type BootstrappedInstance, buildBootstrappedApp, createIdentityWithToken, createProject, injectAs, MISSING } from "../../support/factories.js";

// GET/PATCH/DELETE /api/v1/identities[/:identityId], POST /api/v1/identities/:identityId/revoke-access-tokens,
// and the Universal Auth client-secret list / get / revoke.

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const call = (method: "GET" | "PATCH" | "DELETE" | "POST", url: string, token = admin.token, payload?: object) => injectAs(t.app, token, method, url, payload);

/** Whether a token still authenticates: any authenticated route answers 401 once it does not. */
const tokenWorks = async (token: string) => (await call("GET", "/api/v1/workspace", token)).statusCode === 200;

describe("GET /api/v1/identities[/:identityId]", () => {
  test("one identity as its org membership, with metadata and auth methods", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, name: "reader-bot" });
    await call("PATCH", `/api/v1/identities/${bot.identityId}`, admin.token, { metadata: [{ key: "team", value: "a" }] });
    const response = await call("GET", `/api/v1/identities/${bot.identityId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      identity: {
        id: expect.any(String),
        identityId: bot.identityId,
        orgId: admin.orgId,
        role: "no-access",
        roleId: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lastLoginAuthMethod: "universal-auth",
        lastLoginTime: expect.any(String),
        metadata: [{ id: expect.any(String), key: "team", value: "a" }],
        identity: { id: bot.identityId, name: "reader-bot", authMethods: ["universal-auth"], hasDeleteProtection: false },
      },
    });
  });

  test("the organization's identities by name; orgId must be the caller's; a no-access identity → PermissionDenied", async () => {
    const response = await call("GET", `/api/v1/identities?orgId=${admin.orgId}`);
    expect(response.statusCode).toBe(200);
    const { identities, totalCount } = response.json();
    expect(totalCount).toBe(identities.length);
    const names = identities.map((i: { identity: { name: string } }) => i.identity.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("Instance Admin Identity");
    expect((await call("GET", `/api/v1/identities?orgId=${MISSING}`)).json()).toEqual(
      envelope(403, "You are not allowed to access organization resource", "You are not allowed to access this resource"),
    );
    const noAccess = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await call("GET", `/api/v1/identities?orgId=${admin.orgId}`, noAccess.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to read on identity",
    });
    expect((await call("GET", `/api/v1/identities/${noAccess.identityId}`, noAccess.token)).statusCode).toBe(403);
  });

  test("unknown or malformed id → 404", async () => {
    for (const id of [MISSING, "nope"]) {
      expect((await call("GET", `/api/v1/identities/${id}`)).json()).toEqual(envelope(404, "NotFound", `Failed to find identity with id ${id}`));
    }
  });
});

describe("PATCH /api/v1/identities/:identityId", () => {
  test("name, org role, delete protection and metadata; the new role counts from the next request; audited", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, name: "patch-bot" });
    // no-access: may not create projects.
    expect((await call("POST", "/api/v2/workspace", bot.token, { projectName: "x" })).statusCode).toBe(403);
    const response = await call("PATCH", `/api/v1/identities/${bot.identityId}`, admin.token, {
      name: " renamed-bot ",
      role: "member",
      hasDeleteProtection: true,
      metadata: [{ key: "env", value: "ci" }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      identity: {
        id: bot.identityId,
        name: "renamed-bot",
        orgId: admin.orgId,
        hasDeleteProtection: true,
        authMethods: ["universal-auth"],
        metadata: [{ id: expect.any(String), key: "env", value: "ci" }],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect((await call("POST", "/api/v2/workspace", bot.token, { projectName: "now allowed" })).statusCode).toBe(200);
    const membership = await t.container.db.selectFrom("org_memberships").select("role").where("identity_id", "=", bot.identityId).executeTakeFirstOrThrow();
    expect(membership.role).toBe("member");
    // Absent fields are kept; metadata [] clears the list.
    const second = await call("PATCH", `/api/v1/identities/${bot.identityId}`, admin.token, { metadata: [] });
    expect(second.json().identity).toMatchObject({ name: "renamed-bot", hasDeleteProtection: true, metadata: [] });
    const audit = await t.container.db.selectFrom("audit_logs").select(["event_metadata", "org_id"]).where("event_type", "=", "update-identity").orderBy("created_at").execute();
    expect(audit.slice(-2)).toEqual([
      { org_id: admin.orgId, event_metadata: { name: "renamed-bot", identityId: bot.identityId } },
      { org_id: admin.orgId, event_metadata: { name: "renamed-bot", identityId: bot.identityId } },
    ]);
  });

  test("unknown role → 404; granting more than one holds → PermissionBoundaryError; no edit permission → PermissionDenied", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await call("PATCH", `/api/v1/identities/${bot.identityId}`, admin.token, { role: "owner" })).json()).toEqual(
      envelope(404, "NotFound", "Organization role with slug 'owner' not found"),
    );
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "member" });
    const denied = await call("PATCH", `/api/v1/identities/${bot.identityId}`, member.token, { role: "admin" });
    // An org member may not edit identities at all (Infisical's member role).
    expect(denied.json()).toMatchObject({ statusCode: 403, error: "PermissionDenied", message: "You are not allowed to edit on identity" });
    const selfPromotion = await call("PATCH", `/api/v1/identities/${bot.identityId}`, bot.token, { role: "admin" });
    expect(selfPromotion.statusCode).toBe(403);
    expect(selfPromotion.json().error).toBe("PermissionDenied");
    const row = await t.container.db.selectFrom("org_memberships").select("role").where("identity_id", "=", bot.identityId).executeTakeFirstOrThrow();
    expect(row.role).toBe("no-access");
    expect((await call("PATCH", `/api/v1/identities/${MISSING}`, admin.token, { name: "x" })).statusCode).toBe(404);
  });
});

describe("DELETE /api/v1/identities/:identityId", () => {
  test("its tokens stop working on the very next request; memberships, Universal Auth and metadata go", async () => {
    const project = await createProject(t.app, admin.token, { slug: "identity-delete" });
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["member"], name: "doomed-bot" });
    await call("PATCH", `/api/v1/identities/${bot.identityId}`, admin.token, { metadata: [{ key: "k", value: "v" }] });
    expect(await tokenWorks(bot.token)).toBe(true);
    const response = await call("DELETE", `/api/v1/identities/${bot.identityId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().identity).toMatchObject({ id: bot.identityId, name: "doomed-bot", orgId: admin.orgId });
    expect((await call("GET", "/api/v1/workspace", bot.token)).json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
    const login = await t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", payload: { clientId: bot.clientId, clientSecret: bot.clientSecret } });
    expect(login.statusCode).toBe(401);
    const db = t.container.db;
    for (const table of ["identity_access_tokens", "org_memberships", "identity_project_memberships", "identity_universal_auths", "resource_metadata"] as const) {
      expect(await db.selectFrom(table).select("identity_id").where("identity_id", "=", bot.identityId).execute()).toEqual([]);
    }
    const audit = await db.selectFrom("audit_logs").select("event_metadata").where("event_type", "=", "delete-identity").execute();
    expect(audit).toEqual([{ event_metadata: { identityId: bot.identityId } }]);
    expect((await call("DELETE", `/api/v1/identities/${bot.identityId}`)).statusCode).toBe(404);
  });

  test("delete protection → 400; no delete permission → PermissionDenied; nothing deleted", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    await call("PATCH", `/api/v1/identities/${bot.identityId}`, admin.token, { hasDeleteProtection: true });
    expect((await call("DELETE", `/api/v1/identities/${bot.identityId}`)).json()).toEqual(envelope(400, "BadRequest", "Identity has delete protection"));
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "member" });
    expect((await call("DELETE", `/api/v1/identities/${bot.identityId}`, member.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to delete on identity",
    });
    expect(await tokenWorks(bot.token)).toBe(true);
  });
});

describe("POST /api/v1/identities/:identityId/revoke-access-tokens", () => {
  test("every live token of the identity stops working on the next request; new logins work", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const second = (
      await t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", payload: { clientId: bot.clientId, clientSecret: bot.clientSecret } })
    ).json().accessToken;
    const response = await call("POST", `/api/v1/identities/${bot.identityId}/revoke-access-tokens`);
    expect(response.json()).toEqual({ message: "Successfully revoked access tokens", revokedCount: 2 });
    expect(await tokenWorks(bot.token)).toBe(false);
    expect(await tokenWorks(second)).toBe(false);
    const fresh = (
      await t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", payload: { clientId: bot.clientId, clientSecret: bot.clientSecret } })
    ).json().accessToken;
    expect(await tokenWorks(fresh)).toBe(true);
    expect(await tokenWorks(admin.token)).toBe(true);
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "member" });
    expect((await call("POST", `/api/v1/identities/${bot.identityId}/revoke-access-tokens`, member.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to delete-token on identity",
    });
    expect(await tokenWorks(fresh)).toBe(true);
    expect((await call("POST", `/api/v1/identities/${MISSING}/revoke-access-tokens`)).statusCode).toBe(404);
  });
});

describe("Universal Auth client secrets", () => {
  const secretsUrl = (identityId: string) => `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`;

  test("list without values or hashes, revoked ones left out; get one; revoking ends the tokens issued with it only", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const other = (await call("POST", secretsUrl(bot.identityId), admin.token, { description: "second" })).json();
    const otherToken = (
      await t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", payload: { clientId: bot.clientId, clientSecret: other.clientSecret } })
    ).json().accessToken;

    const listed = await call("GET", secretsUrl(bot.identityId));
    expect(listed.statusCode).toBe(200);
    const { clientSecretData } = listed.json();
    expect(clientSecretData).toHaveLength(2);
    expect(clientSecretData[1]).toEqual({
      id: other.clientSecretData.id,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      description: "second",
      clientSecretPrefix: other.clientSecret.slice(0, 4),
      clientSecretNumUses: 1,
      clientSecretNumUsesLimit: 0,
      clientSecretTTL: 0,
      identityUAId: expect.any(String),
      isClientSecretRevoked: false,
    });
    expect(listed.body).not.toContain(other.clientSecret);
    expect(listed.body).not.toContain(bot.clientSecret);

    const firstId: string = clientSecretData[0].id;
    const one = await call("GET", `${secretsUrl(bot.identityId)}/${firstId}`);
    expect(one.json().clientSecretData).toMatchObject({ id: firstId, isClientSecretRevoked: false });
    expect((await call("GET", `${secretsUrl(bot.identityId)}/${MISSING}`)).json()).toEqual(
      envelope(404, "NotFound", `Failed to find identity with ID ${bot.identityId}`),
    );

    const revoked = await call("POST", `${secretsUrl(bot.identityId)}/${firstId}/revoke`);
    expect(revoked.json().clientSecretData).toMatchObject({ id: firstId, isClientSecretRevoked: true });
    expect(await tokenWorks(bot.token)).toBe(false);
    expect(await tokenWorks(otherToken)).toBe(true);
    expect((await call("GET", secretsUrl(bot.identityId))).json().clientSecretData.map((s: { id: string }) => s.id)).toEqual([other.clientSecretData.id]);
    const db = t.container.db;
    const events = await db
      .selectFrom("audit_logs")
      .select(["event_type", "event_metadata"])
      .where("event_type", "in", ["get-identity-universal-auth-client-secret", "revoke-identity-universal-auth-client-secret"])
      .orderBy("created_at")
      .execute();
    expect(events).toEqual([
      { event_type: "get-identity-universal-auth-client-secret", event_metadata: { identityId: bot.identityId } },
      { event_type: "revoke-identity-universal-auth-client-secret", event_metadata: { identityId: bot.identityId, clientSecretId: firstId } },
      { event_type: "get-identity-universal-auth-client-secret", event_metadata: { identityId: bot.identityId } },
    ]);
  });

  test("an identity without Universal Auth → 400; unknown identity → 404; no read permission → PermissionDenied", async () => {
    const bare = (await call("POST", "/api/v1/identities", admin.token, { name: "bare", organizationId: admin.orgId })).json().identity;
    expect((await call("GET", secretsUrl(bare.id))).json()).toEqual(envelope(400, "BadRequest", "The identity does not have universal auth"));
    expect((await call("GET", secretsUrl(MISSING))).json()).toEqual(envelope(404, "NotFound", `Failed to find identity with ID ${MISSING}`));
    const noAccess = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await call("GET", secretsUrl(noAccess.identityId), noAccess.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to read on identity",
    });
  });
});
