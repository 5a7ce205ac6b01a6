import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "../../../src/lib/actor.js";
import { ProjectPermissionDynamicSecretActions as DS, ProjectPermissionSub } from "../../../src/permissions/actions.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createIdentityWithToken } from "../../support/factories.js";

// Additional privileges (§C.8, §F.8 #59/#60) and v1 roles (§B.8, §F.8 #61/#62).

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
const ROOT = { environment: "dev", secretPath: "/", metadata: [] };
const PROD = { environment: "prod", secretPath: "/app", metadata: [] };

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("ds-proj"));
});
afterAll(async () => t.close());

const actorOf = (token: string): Promise<Actor> =>
  t.container.authService.authenticate({ authorization: `Bearer ${token}`, hasApiKey: false, clientIp: "127.0.0.1" });
const permissionOf = async (token: string) => t.container.permissionService.getProjectPermission(await actorOf(token), projectId);

const postPrivilege = (payload: object, token = admin.token) =>
  t.app.inject({ method: "POST", url: "/api/v2/identity-project-additional-privilege", headers: bearer(token), payload });
const postV1Role = (payload: object, slug = "ds-proj") =>
  t.app.inject({ method: "POST", url: `/api/v1/workspace/${slug}/roles`, headers: bearer(admin.token), payload });

describe("additional privileges", () => {
  test("#59 viewer + permanent privilege edit on dev", async () => {
    const v = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    const response = await postPrivilege({
      identityId: v.identityId,
      projectId,
      slug: "dev-edit",
      permissions: [{ subject: "dynamic-secrets", action: ["edit-root-credential"], conditions: { environment: "dev" } }],
      type: { isTemporary: false },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      privilege: {
        id: expect.any(String),
        slug: "dev-edit",
        identityId: v.identityId,
        projectId,
        permissions: [],
        isTemporary: false,
        temporaryMode: null,
        temporaryRange: null,
        temporaryAccessStartTime: null,
        temporaryAccessEndTime: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    const permission = await permissionOf(v.token);
    expect(permission.can(DS.EditRootCredential, SUBJECT, ROOT)).toBe(true);
    expect(permission.can(DS.EditRootCredential, SUBJECT, PROD)).toBe(false);
    // Privilege rules come after role rules and carry array subjects.
    expect(permission.rulesFor(DS.EditRootCredential, SUBJECT)).toEqual([
      { action: ["edit-root-credential"], inverted: false, subject: ["dynamic-secrets"], conditions: { environment: "dev" } },
    ]);
  });

  test("#60 an expired temporary privilege grants nothing; a current one does", async () => {
    const v = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    const start = new Date(Date.now() - 2 * 3600_000).toISOString();
    const expired = await postPrivilege({
      identityId: v.identityId,
      projectId,
      permissions: [{ subject: "dynamic-secrets", action: ["edit-root-credential"] }],
      type: { isTemporary: true, temporaryMode: "relative", temporaryRange: "1h", temporaryAccessStartTime: start },
    });
    expect(expired.json().privilege).toMatchObject({ slug: expect.stringMatching(/^privilege-/), isTemporary: true, temporaryRange: "1h" });
    expect((await permissionOf(v.token)).can(DS.EditRootCredential, SUBJECT, ROOT)).toBe(false);
    await postPrivilege({
      identityId: v.identityId,
      projectId,
      permissions: [{ subject: "dynamic-secrets", action: ["edit-root-credential"] }],
      type: { isTemporary: true, temporaryMode: "relative", temporaryRange: "3h", temporaryAccessStartTime: start },
    });
    expect((await permissionOf(v.token)).can(DS.EditRootCredential, SUBJECT, ROOT)).toBe(true);
  });

  test("errors: not a member → 404; duplicate slug → 400; boundary → 403", async () => {
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await postPrivilege({ identityId: outsider.identityId, projectId, permissions: [] })).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 404,
      message: `Failed to find identity with id ${outsider.identityId}`,
      error: "NotFound",
    });
    const v = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    expect((await postPrivilege({ identityId: v.identityId, projectId, slug: "same", permissions: [] })).statusCode).toBe(200);
    expect((await postPrivilege({ identityId: v.identityId, projectId, slug: "same", permissions: [] })).json()).toMatchObject({
      statusCode: 400,
      message: "Additional privilege of provided slug exist",
    });
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["member"] });
    const boundary = await postPrivilege(
      { identityId: v.identityId, projectId, permissions: [{ subject: "role", action: ["create"] }] },
      m.token,
    );
    expect(boundary.json()).toMatchObject({
      statusCode: 403,
      error: "PermissionBoundaryError",
      details: { missingPermissions: [{ action: "create", subject: "role" }] },
    });
  });
});

describe("v1 roles", () => {
  test("#61 secrets edit on dev expands to dynamic-secrets edit + lease (no read); the response hides it", async () => {
    const response = await postV1Role({
      slug: "legacy-dev-editor",
      name: "Legacy dev editor",
      permissions: [{ subject: "secrets", action: ["edit"], conditions: { environment: "dev" } }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().role.permissions).toEqual([
      { subject: "secrets", action: ["edit"], conditions: { environment: "dev" } },
      { subject: "secret-folders", action: ["edit"], conditions: { environment: "dev" } },
    ]);
    const stored = await t.container.db
      .selectFrom("project_roles")
      .select("permissions")
      .where("slug", "=", "legacy-dev-editor")
      .executeTakeFirstOrThrow();
    expect(stored.permissions).toContainEqual({
      subject: "dynamic-secrets",
      action: ["edit-root-credential", "lease"],
      conditions: { environment: "dev" },
    });
    const i = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["legacy-dev-editor"] });
    const permission = await permissionOf(i.token);
    expect(permission.can(DS.EditRootCredential, SUBJECT, ROOT)).toBe(true);
    expect(permission.can(DS.Lease, SUBJECT, ROOT)).toBe(true);
    expect(permission.can(DS.ReadRootCredential, SUBJECT, ROOT)).toBe(false);
    expect(permission.can(DS.EditRootCredential, SUBJECT, PROD)).toBe(false);
  });

  test("#62 secrets read+edit → read and edit root credentials", async () => {
    await postV1Role({ slug: "legacy-rw", name: "rw", permissions: [{ subject: "secrets", action: ["read", "edit"] }] });
    const i = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["legacy-rw"] });
    const permission = await permissionOf(i.token);
    expect(permission.can(DS.ReadRootCredential, SUBJECT, ROOT)).toBe(true);
    expect(permission.can(DS.EditRootCredential, SUBJECT, PROD)).toBe(true);
  });

  test("v1 has no dynamic-secrets subject; unknown project slug → 404", async () => {
    const response = await postV1Role({ slug: "x1", name: "x", permissions: [{ subject: "dynamic-secrets", action: ["lease"] }] });
    expect(response.statusCode).toBe(422);
    expect((await postV1Role({ slug: "x2", name: "x", permissions: [] }, "nope")).json()).toMatchObject({
      statusCode: 404,
      message: "Project with slug 'nope' not found",
    });
  });
});
