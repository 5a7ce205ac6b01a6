import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createCustomRole, createIdentityWithToken } from "../../support/factories.js";

// Custom project roles (§C.7, §B.3 validation) and identity memberships (§C.6).

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("roles-proj"));
});
afterAll(async () => t.close());

const postRole = (payload: object, token = admin.token, project = projectId) =>
  t.app.inject({ method: "POST", url: `/api/v2/workspace/${project}/roles`, headers: bearer(token), payload });

async function newIdentity(): Promise<string> {
  const response = await t.app.inject({
    method: "POST",
    url: "/api/v1/identities",
    headers: bearer(admin.token),
    payload: { name: `m-${Math.random().toString(36).slice(2, 8)}`, organizationId: admin.orgId },
  });
  return response.json().identity.id;
}
const postMembership = (identityId: string, payload: object, token = admin.token) =>
  t.app.inject({
    method: "POST",
    url: `/api/v2/workspace/${projectId}/identity-memberships/${identityId}`,
    headers: bearer(token),
    payload,
  });

describe("POST /api/v2/workspace/:projectId/roles", () => {
  test("stores v2 rules; response has action arrays and string subjects", async () => {
    const response = await postRole({
      slug: "ds-dev-editor",
      name: "DS dev editor",
      description: "dev only",
      permissions: [
        {
          subject: "dynamic-secrets",
          action: ["read-root-credential", "edit-root-credential"],
          conditions: { environment: { $eq: "dev" }, secretPath: { $glob: "/app/**" } },
        },
        { subject: "dynamic-secrets", action: "lease", inverted: true, conditions: { metadata: { $elemMatch: { key: { $eq: "team" } } } } },
        { subject: "environments", action: "read" },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      role: {
        id: expect.any(String),
        name: "DS dev editor",
        slug: "ds-dev-editor",
        description: "dev only",
        projectId,
        permissions: [
          {
            subject: "dynamic-secrets",
            action: ["read-root-credential", "edit-root-credential"],
            conditions: { environment: { $eq: "dev" }, secretPath: { $glob: "/app/**" } },
          },
          { subject: "dynamic-secrets", action: ["lease"], inverted: true, conditions: { metadata: { $elemMatch: { key: { $eq: "team" } } } } },
          { subject: "environments", action: ["read"] },
        ],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
  });

  test("F.6 #44 a secretPath without a leading slash → 422", async () => {
    const response = await postRole({
      slug: "bad-path",
      name: "x",
      permissions: [{ subject: "dynamic-secrets", action: ["edit-root-credential"], conditions: { secretPath: "app" } }],
    });
    expect(response.statusCode).toBe(422);
    expect(JSON.stringify(response.json().message)).toContain("Invalid Secret Path; it must start with a '/'");
    const inList = await postRole({
      slug: "bad-path",
      name: "x",
      permissions: [{ subject: "secret-folders", action: ["create"], conditions: { secretPath: { $in: ["/ok", "nope"] } } }],
    });
    expect(inList.json().message).toEqual([
      expect.objectContaining({ path: ["permissions", 0, "conditions", "secretPath", "$in", 1], message: "Invalid Secret Path; it must start with a '/'" }),
    ]);
  });

  test.each([
    [{ slug: "admin", name: "x", permissions: [] }, "Please choose a different slug, the slug you have entered is reserved"],
    [{ slug: "r1", name: "x", permissions: [{ subject: "nope", action: ["read"] }] }, undefined],
    [{ slug: "r1", name: "x", permissions: [{ subject: "dynamic-secrets", action: ["fly"] }] }, undefined],
    [{ slug: "r1", name: "x", permissions: [{ subject: "dynamic-secrets", action: [] }] }, undefined],
    [{ slug: "r1", name: "x", permissions: [{ subject: "dynamic-secrets", action: ["lease"], conditions: { environment: "" } }] }, undefined],
  ])("invalid role %j → 422", async (payload, message) => {
    const response = await postRole(payload);
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toBe("ValidationFailure");
    if (message) expect(response.json().message).toEqual([expect.objectContaining({ message })]);
  });

  test("duplicate slug → 400; a member cannot create roles", async () => {
    await createCustomRole(t.app, admin.token, projectId, { slug: "twice", permissions: [] });
    expect((await postRole({ slug: "twice", name: "x", permissions: [] })).json()).toEqual(
      envelope(400, "BadRequest", "Role with slug 'twice' already exists in this project"),
    );
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["member"] });
    expect((await postRole({ slug: "mine", name: "x", permissions: [] }, m.token)).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to create on role",
      details: [],
      error: "PermissionDenied",
    });
  });

  test("privilege boundary: a role-creator without a permission cannot grant it", async () => {
    await createCustomRole(t.app, admin.token, projectId, {
      slug: "role-maker",
      permissions: [
        { subject: "role", action: ["create", "read"] },
        { subject: "dynamic-secrets", action: ["read-root-credential"] },
      ],
    });
    const maker = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["role-maker"] });
    const ok = await postRole(
      { slug: "readers", name: "x", permissions: [{ subject: "dynamic-secrets", action: ["read-root-credential"] }] },
      maker.token,
    );
    expect(ok.statusCode).toBe(200);
    const tooMuch = await postRole(
      { slug: "editors", name: "x", permissions: [{ subject: "dynamic-secrets", action: ["read-root-credential", "edit-root-credential"] }] },
      maker.token,
    );
    expect(tooMuch.json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "Failed to create custom role. Actor privilege level is not high enough to perform this action",
      details: { missingPermissions: [{ action: "edit-root-credential", subject: "dynamic-secrets" }] },
      error: "PermissionBoundaryError",
    });
  });
});

describe("POST /api/v2/workspace/:projectId/identity-memberships/:identityId", () => {
  test("permanent + temporary roles; end = start + range", async () => {
    await createCustomRole(t.app, admin.token, projectId, { slug: "ds-reader", permissions: [{ subject: "dynamic-secrets", action: "read-root-credential" }] });
    const identityId = await newIdentity();
    const start = "2026-01-01T10:00:00.000Z";
    const response = await postMembership(identityId, {
      roles: [
        { role: "viewer", isTemporary: false },
        { role: "member", isTemporary: true, temporaryMode: "relative", temporaryRange: "1h", temporaryAccessStartTime: start },
        { role: "ds-reader" },
      ],
    });
    expect(response.statusCode).toBe(200);
    const membership = response.json().identityMembership;
    expect(membership).toMatchObject({ identityId, projectId });
    expect(membership.roles).toEqual([
      expect.objectContaining({ role: "viewer", isTemporary: false, temporaryAccessEndTime: null, customRoleSlug: null }),
      expect.objectContaining({
        role: "member",
        isTemporary: true,
        temporaryMode: "relative",
        temporaryRange: "1h",
        temporaryAccessStartTime: start,
        temporaryAccessEndTime: "2026-01-01T11:00:00.000Z",
      }),
      expect.objectContaining({ role: "custom", customRoleSlug: "ds-reader", customRoleId: expect.any(String) }),
    ]);
  });

  test("legacy single `role`, default no-access", async () => {
    const a = await newIdentity();
    expect((await postMembership(a, { role: "viewer" })).json().identityMembership.roles).toEqual([expect.objectContaining({ role: "viewer" })]);
    const b = await newIdentity();
    expect((await postMembership(b, {})).json().identityMembership.roles).toEqual([expect.objectContaining({ role: "no-access" })]);
  });

  test("F.8 #58 only temporary roles → 400; temporary without range → 400", async () => {
    const identityId = await newIdentity();
    const temp = { role: "member", isTemporary: true, temporaryMode: "relative", temporaryRange: "1h", temporaryAccessStartTime: new Date().toISOString() };
    expect((await postMembership(identityId, { roles: [temp] })).json()).toEqual(
      envelope(400, "BadRequest", "Identity must have at least one permanent role"),
    );
    expect((await postMembership(identityId, { roles: [{ role: "viewer" }, { role: "member", isTemporary: true }] })).json()).toEqual(
      envelope(400, "BadRequest", "Temporary role must have access start time and range"),
    );
  });

  test("unknown custom role → 404; identity outside the org → 400; twice → 400", async () => {
    const identityId = await newIdentity();
    expect((await postMembership(identityId, { roles: [{ role: "ghost" }] })).json()).toEqual(
      envelope(404, "NotFound", `Specified roles 'ghost' was not found in the project with ID '${projectId}'`),
    );
    expect((await postMembership("00000000-0000-4000-8000-000000000000", { role: "viewer" })).json()).toEqual(
      envelope(400, "BadRequest", "Identity 00000000-0000-4000-8000-000000000000 is missing organization membership"),
    );
    expect((await postMembership(identityId, { role: "viewer" })).statusCode).toBe(200);
    expect((await postMembership(identityId, { role: "member" })).json()).toEqual(envelope(400, "BadRequest", "Identity is already a member"));
  });

  test("a member cannot grant admin (privilege boundary); a viewer cannot add members at all", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["member"] });
    const target = await newIdentity();
    const boundary = await postMembership(target, { role: "admin" }, m.token);
    expect(boundary.statusCode).toBe(403);
    expect(boundary.json()).toMatchObject({
      statusCode: 403,
      error: "PermissionBoundaryError",
      message: "Failed to create identity project membership. Actor privilege level is not high enough to perform this action",
      details: { missingPermissions: expect.arrayContaining([{ action: "create", subject: "role" }]) },
    });
    expect((await postMembership(target, { role: "viewer" }, m.token)).statusCode).toBe(200);

    const v = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    expect((await postMembership(await newIdentity(), { role: "viewer" }, v.token)).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to create on identity",
      details: [],
      error: "PermissionDenied",
    });
  });
});

describe("PATCH / DELETE identity memberships", () => {
  const patch = (identityId: string, payload: object, token = admin.token) =>
    t.app.inject({
      method: "PATCH",
      url: `/api/v2/workspace/${projectId}/identity-memberships/${identityId}`,
      headers: bearer(token),
      payload,
    });
  const remove = (identityId: string, token = admin.token) =>
    t.app.inject({ method: "DELETE", url: `/api/v2/workspace/${projectId}/identity-memberships/${identityId}`, headers: bearer(token) });
  const createEnv = (token: string, slug: string) =>
    t.app.inject({ method: "POST", url: `/api/v1/workspace/${projectId}/environments`, headers: bearer(token), payload: { name: slug, slug } });

  test("replacing roles takes effect on the member's very next request", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    expect((await createEnv(m.token, "env-a")).statusCode).toBe(403);
    const response = await patch(m.identityId, { roles: [{ role: "member" }] });
    expect(response.statusCode).toBe(200);
    expect(response.json().roles).toEqual([expect.objectContaining({ role: "member", isTemporary: false })]);
    expect((await createEnv(m.token, "env-a")).statusCode).toBe(200);
    expect((await patch(m.identityId, { roles: [] })).statusCode).toBe(422);
    expect((await patch("00000000-0000-4000-8000-000000000000", { roles: [{ role: "viewer" }] })).json()).toEqual(
      envelope(
        404,
        "NotFound",
        `Project membership for identity with ID '00000000-0000-4000-8000-000000000000' in project with ID '${projectId}' not found`,
      ),
    );
  });

  test("deleting a membership ends project access at once; never your own", async () => {
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["member"] });
    expect((await createEnv(m.token, "env-b")).statusCode).toBe(200);
    const response = await remove(m.identityId);
    expect(response.statusCode).toBe(200);
    expect(response.json().identityMembership).toMatchObject({ identityId: m.identityId, projectId, roles: [expect.objectContaining({ role: "member" })] });
    expect((await createEnv(m.token, "env-c")).json()).toEqual(
      envelope(403, "You are not member of this project", "You are not allowed to access this resource"),
    );
    expect((await remove(admin.identityId)).json()).toEqual(envelope(400, "BadRequest", "You can't delete your own membership"));
  });
});
