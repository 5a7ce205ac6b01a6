import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createCustomRole, createIdentityWithToken, createProject, injectAs, MISSING } from "../../support/factories.js";

// GET/PATCH/DELETE of custom project roles (v2) and the listing of a project's identity memberships.

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const call = (method: "GET" | "PATCH" | "DELETE", url: string, token = admin.token, payload?: object) => injectAs(t.app, token, method, url, payload);

const readDev = [{ subject: "dynamic-secrets", action: ["read-root-credential"], conditions: { environment: { $eq: "dev" } } }];

describe("GET /api/v2/workspace/:projectId/roles[/slug/:roleSlug]", () => {
  test("the predefined roles, then custom ones by slug, without rules; one by slug with its rules", async () => {
    const project = await createProject(t.app, admin.token, { slug: "roles-list" });
    await createCustomRole(t.app, admin.token, project.id, { slug: "zeta", permissions: readDev });
    const alpha = await createCustomRole(t.app, admin.token, project.id, { slug: "alpha", name: "Alpha", permissions: readDev });
    const response = await call("GET", `/api/v2/workspace/${project.id}/roles`);
    expect(response.statusCode).toBe(200);
    const { roles } = response.json();
    expect(roles.map((r: { slug: string }) => r.slug)).toEqual(["admin", "member", "viewer", "no-access", "alpha", "zeta"]);
    expect(roles[1]).toEqual({
      id: "b11b49a9-09a9-4443-916a-4246f9ff2c70",
      name: "Developer",
      slug: "member",
      description: "Non-administrative role in an project",
      projectId: project.id,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(roles[4]).not.toHaveProperty("permissions");

    const one = await call("GET", `/api/v2/workspace/${project.id}/roles/slug/alpha`);
    expect(one.json()).toEqual({
      role: {
        id: alpha.id,
        name: "Alpha",
        slug: "alpha",
        description: null,
        projectId: project.id,
        permissions: readDev,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    const viewer = (await call("GET", `/api/v2/workspace/${project.id}/roles/slug/viewer`)).json().role;
    expect(viewer).toMatchObject({ slug: "viewer", name: "Viewer" });
    expect(viewer.permissions).toContainEqual({ subject: "dynamic-secrets", action: ["read-root-credential"] });
    expect((await call("GET", `/api/v2/workspace/${project.id}/roles/slug/nope`)).json()).toEqual(
      envelope(404, "NotFound", "Role with slug nope not found"),
    );
  });

  test("a no-access member may not read roles; a non-member gets the membership 403", async () => {
    const project = await createProject(t.app, admin.token, { slug: "roles-read-perm" });
    const noAccess = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["no-access"] });
    expect((await call("GET", `/api/v2/workspace/${project.id}/roles`, noAccess.token)).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to read on role", { details: [] }),
    );
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await call("GET", `/api/v2/workspace/${project.id}/roles/slug/admin`, outsider.token)).json().error).toBe(
      "You are not member of this project",
    );
  });
});

describe("PATCH /api/v2/workspace/:projectId/roles/:roleId", () => {
  test("new rules apply to the role's members from the next request; absent fields kept; audited", async () => {
    const project = await createProject(t.app, admin.token, { slug: "roles-patch" });
    const role = await createCustomRole(t.app, admin.token, project.id, { slug: "reader", name: "Reader", permissions: readDev });
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["reader"] });
    const listProd = () =>
      t.app.inject({ method: "GET", url: "/api/v1/dynamic-secrets?projectSlug=roles-patch&environmentSlug=prod&path=/", headers: bearer(member.token) });
    expect((await listProd()).statusCode).toBe(403);

    const widened = [{ subject: "dynamic-secrets", action: ["read-root-credential"] }];
    const response = await call("PATCH", `/api/v2/workspace/${project.id}/roles/${role.id}`, admin.token, {
      slug: "reader-all",
      description: "reads everywhere",
      permissions: widened,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().role).toEqual({
      id: role.id,
      name: "Reader",
      slug: "reader-all",
      description: "reads everywhere",
      projectId: project.id,
      permissions: widened,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await listProd()).statusCode).toBe(200);
    const audit = await t.container.db.selectFrom("audit_logs").select("event_metadata").where("event_type", "=", "update-project-role").execute();
    expect(audit).toEqual([
      {
        event_metadata: { roleId: role.id, slug: "reader-all", description: "reads everywhere", permissions: JSON.stringify(widened) },
      },
    ]);
  });

  test("a taken slug → 400; a reserved slug → 422; unknown role → 404; granting more than one holds → PermissionBoundaryError", async () => {
    const project = await createProject(t.app, admin.token, { slug: "roles-patch-errors" });
    const a = await createCustomRole(t.app, admin.token, project.id, { slug: "role-a", permissions: readDev });
    await createCustomRole(t.app, admin.token, project.id, { slug: "role-b", permissions: readDev });
    const url = `/api/v2/workspace/${project.id}/roles/${a.id}`;
    expect((await call("PATCH", url, admin.token, { slug: "role-b" })).json()).toEqual(
      envelope(400, "BadRequest", "Role with slug 'role-b' already exists in this project"),
    );
    expect((await call("PATCH", url, admin.token, { slug: "admin" })).statusCode).toBe(422);
    expect((await call("PATCH", `/api/v2/workspace/${project.id}/roles/${MISSING}`, admin.token, { name: "x" })).json()).toEqual(
      envelope(404, "NotFound", `Role with ${MISSING} not found`),
    );
    // A role editor (role:edit) without secrets access may not grant it.
    await createCustomRole(t.app, admin.token, project.id, { slug: "role-editor", permissions: [{ subject: "role", action: ["read", "edit"] }] });
    const editor = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["role-editor"] });
    const escalation = await call("PATCH", url, editor.token, { permissions: [{ subject: "secrets", action: ["read"] }] });
    expect(escalation.json()).toEqual(
      envelope(403, "PermissionBoundaryError", "Failed to update custom role. Actor privilege level is not high enough to perform this action", {
        details: { missingPermissions: [{ action: "read", subject: "secrets" }] },
      }),
    );
    expect((await call("PATCH", url, editor.token, { name: "Renamed by editor" })).statusCode).toBe(200);
    const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer"] });
    expect((await call("PATCH", url, viewer.token, { name: "x" })).json()).toMatchObject({ statusCode: 403, error: "PermissionDenied" });
    const stored = await t.container.db.selectFrom("project_roles").select(["name", "permissions"]).where("id", "=", a.id).executeTakeFirstOrThrow();
    expect(stored.name).toBe("Renamed by editor");
    expect(stored.permissions).toEqual(readDev);
  });
});

describe("DELETE /api/v2/workspace/:projectId/roles/:roleId", () => {
  test("a role in use is refused (Infisical's message); once unassigned it is deleted; audited", async () => {
    const project = await createProject(t.app, admin.token, { slug: "roles-delete" });
    const role = await createCustomRole(t.app, admin.token, project.id, { slug: "busy", name: "Busy", permissions: readDev });
    const first = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["busy"] });
    const url = `/api/v2/workspace/${project.id}/roles/${role.id}`;
    expect((await call("DELETE", url)).json()).toEqual(
      envelope(400, "BadRequest", "Role is assigned to 1 identity membership. Re-assign membership role to delete this role."),
    );
    const second = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["busy"] });
    expect((await call("DELETE", url)).json().message).toBe(
      "Role is assigned to 2 identity memberships. Re-assign membership roles to delete this role.",
    );
    for (const member of [first, second]) {
      const reassigned = await t.app.inject({
        method: "PATCH",
        url: `/api/v2/workspace/${project.id}/identity-memberships/${member.identityId}`,
        headers: bearer(admin.token),
        payload: { roles: [{ role: "viewer" }] },
      });
      expect(reassigned.statusCode).toBe(200);
    }
    const deleted = await call("DELETE", url);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().role).toMatchObject({ id: role.id, slug: "busy", permissions: readDev });
    expect(await t.container.db.selectFrom("project_roles").select("id").where("id", "=", role.id).execute()).toEqual([]);
    const audit = await t.container.db.selectFrom("audit_logs").select("event_metadata").where("event_type", "=", "delete-project-role").execute();
    expect(audit).toEqual([{ event_metadata: { roleId: role.id, slug: "busy", name: "Busy" } }]);
    expect((await call("DELETE", url)).json()).toEqual(envelope(404, "NotFound", `Role with ${role.id} not found`));
  });

  test("a role of another project is not found here; a member (no role:delete) → PermissionDenied", async () => {
    const project = await createProject(t.app, admin.token, { slug: "roles-delete-perm" });
    const other = await createProject(t.app, admin.token, { slug: "roles-delete-other" });
    const foreign = await createCustomRole(t.app, admin.token, other.id, { slug: "foreign", permissions: readDev });
    expect((await call("DELETE", `/api/v2/workspace/${project.id}/roles/${foreign.id}`)).statusCode).toBe(404);
    const mine = await createCustomRole(t.app, admin.token, project.id, { slug: "mine", permissions: readDev });
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["member"] });
    expect((await call("DELETE", `/api/v2/workspace/${project.id}/roles/${mine.id}`, member.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to delete on role",
    });
    const rows = await t.container.db.selectFrom("project_roles").select("id").where("id", "in", [foreign.id, mine.id]).execute();
    expect(rows).toHaveLength(2);
  });
});

describe("GET /api/v2/workspace/:projectId/identity-memberships[/:identityId]", () => {
  test("every identity member with its roles in order and its identity; one by identity id", async () => {
    const project = await createProject(t.app, admin.token, { slug: "memberships-list" });
    await createCustomRole(t.app, admin.token, project.id, { slug: "custom-one", permissions: readDev });
    const bot = await createIdentityWithToken(t.app, admin.token, {
      orgId: admin.orgId,
      projectId: project.id,
      roles: ["viewer", "custom-one"],
      name: "listed-bot",
    });
    const response = await call("GET", `/api/v2/workspace/${project.id}/identity-memberships`);
    expect(response.statusCode).toBe(200);
    const { identityMemberships } = response.json();
    expect(identityMemberships.map((m: { identityId: string }) => m.identityId)).toEqual([admin.identityId, bot.identityId]);
    expect(identityMemberships[1]).toEqual({
      id: expect.any(String),
      identityId: bot.identityId,
      projectId: project.id,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      identity: { id: bot.identityId, name: "listed-bot", authMethods: ["universal-auth"] },
      roles: [
        expect.objectContaining({ role: "viewer", customRoleId: null, customRoleSlug: null, isTemporary: false }),
        expect.objectContaining({ role: "custom", customRoleId: expect.any(String), customRoleSlug: "custom-one" }),
      ],
    });
    const one = await call("GET", `/api/v2/workspace/${project.id}/identity-memberships/${bot.identityId}`);
    expect(one.json()).toEqual({ identityMembership: identityMemberships[1] });
    expect((await call("GET", `/api/v2/workspace/${project.id}/identity-memberships/${MISSING}`)).json()).toEqual(
      envelope(404, "NotFound", `Project membership for identity with ID '${MISSING}' in project with ID '${project.id}' not found`),
    );
    const noAccess = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["no-access"] });
    expect((await call("GET", `/api/v2/workspace/${project.id}/identity-memberships`, noAccess.token)).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to read on identity", { details: [] }),
    );
  });
});
