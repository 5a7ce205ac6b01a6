import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createCustomRole, createFolder, createIdentityWithToken, createProject, injectAs, MISSING } from "../../support/factories.js";

// GET/PATCH/DELETE /api/v1/workspace/:projectId and GET /api/v1/workspace (Infisical's project router).

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const call = (method: "GET" | "PATCH" | "DELETE", url: string, token = admin.token, payload?: object) => injectAs(t.app, token, method, url, payload);

const auditRows = (projectId: string, eventType: string) =>
  t.container.db
    .selectFrom("audit_logs")
    .select(["event_type", "event_metadata", "project_id", "project_name", "actor_metadata"])
    .where("project_id", "=", projectId)
    .where("event_type", "=", eventType)
    .orderBy("created_at")
    .execute();

describe("GET /api/v1/workspace/:projectId", () => {
  test("the project with its environments in position order, as Infisical's body", async () => {
    const project = await createProject(t.app, admin.token, { name: "Readable", slug: "readable" });
    const response = await call("GET", `/api/v1/workspace/${project.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      project: {
        id: project.id,
        _id: project.id,
        name: "Readable",
        slug: "readable",
        description: null,
        type: "secret-manager",
        orgId: admin.orgId,
        version: 3,
        pitVersionLimit: 10,
        autoCapitalization: false,
        hasDeleteProtection: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        environments: [
          { name: "Development", slug: "dev", id: expect.any(String) },
          { name: "Staging", slug: "staging", id: expect.any(String) },
          { name: "Production", slug: "prod", id: expect.any(String) },
        ],
      },
    });
  });

  test("unknown or malformed id → 404 naming it; a viewer may read; a non-member → 403", async () => {
    for (const id of [MISSING, "not-a-uuid"]) {
      expect((await call("GET", `/api/v1/workspace/${id}`)).json()).toEqual(envelope(404, "NotFound", `Project with ID '${id}' not found`));
    }
    const project = await createProject(t.app, admin.token, { slug: "read-perms" });
    const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer"] });
    expect((await call("GET", `/api/v1/workspace/${project.id}`, viewer.token)).statusCode).toBe(200);
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await call("GET", `/api/v1/workspace/${project.id}`, outsider.token)).json()).toEqual(
      envelope(403, "You are not member of this project", "You are not allowed to access this resource"),
    );
  });
});

describe("GET /api/v1/workspace", () => {
  test("only the projects the caller is a member of, by name, each with its environments; type filter", async () => {
    const bot = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "member" });
    const b = await createProject(t.app, bot.token, { name: "Beta", slug: "list-beta" });
    const a = await createProject(t.app, bot.token, { name: "Alpha", slug: "list-alpha" });
    await createProject(t.app, admin.token, { slug: "not-mine" });
    const response = await call("GET", "/api/v1/workspace", bot.token);
    expect(response.statusCode).toBe(200);
    const { projects } = response.json();
    expect(projects.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);
    expect(projects[0]).toMatchObject({ _id: a.id, name: "Alpha", environments: [{ slug: "dev" }, { slug: "staging" }, { slug: "prod" }] });
    expect((await call("GET", "/api/v1/workspace?type=kms", bot.token)).json()).toEqual({ projects: [] });
    expect((await call("GET", "/api/v1/workspace?type=nope", bot.token)).statusCode).toBe(422);
  });
});

describe("PATCH /api/v1/workspace/:projectId", () => {
  test("updates name, description, slug and flags; absent fields kept; audited in the same transaction", async () => {
    const project = await createProject(t.app, admin.token, { name: "Old", slug: "patch-me" });
    const response = await call("PATCH", `/api/v1/workspace/${project.id}`, admin.token, {
      name: " New name ",
      description: "about",
      slug: "patched_slug-2",
      hasDeleteProtection: true,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      project: {
        id: project.id,
        name: "New name",
        slug: "patched_slug-2",
        description: "about",
        type: "secret-manager",
        orgId: admin.orgId,
        version: 3,
        pitVersionLimit: 10,
        autoCapitalization: false,
        hasDeleteProtection: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    const second = await call("PATCH", `/api/v1/workspace/${project.id}`, admin.token, { pitVersionLimit: 20 });
    expect(second.json().project).toMatchObject({ name: "New name", slug: "patched_slug-2", pitVersionLimit: 20, hasDeleteProtection: true });
    // The new slug is the one dynamic-secret routes resolve.
    const ds = await t.app.inject({
      method: "GET",
      url: "/api/v1/dynamic-secrets?projectSlug=patched_slug-2&environmentSlug=dev&path=/",
      headers: bearer(admin.token),
    });
    expect(ds.statusCode).toBe(200);
    expect(await auditRows(project.id, "update-project")).toEqual([
      expect.objectContaining({
        project_name: "New name",
        event_metadata: { name: "New name", description: "about", slug: "patched_slug-2", hasDeleteProtection: true },
        actor_metadata: { identityId: admin.identityId, name: "Instance Admin Identity" },
      }),
      expect.objectContaining({ event_metadata: { pitVersionLimit: 20 } }),
    ]);
  });

  test("a slug taken in the organization → Infisical's 400; invalid values → 422", async () => {
    const project = await createProject(t.app, admin.token, { slug: "slug-owner" });
    const other = await createProject(t.app, admin.token, { slug: "slug-wanter" });
    expect((await call("PATCH", `/api/v1/workspace/${other.id}`, admin.token, { slug: "slug-owner" })).json()).toEqual(
      envelope(
        400,
        "BadRequest",
        'Failed to update project. A project with the slug "slug-owner" already exists in your organization. Please choose a different slug.',
      ),
    );
    const bad = await call("PATCH", `/api/v1/workspace/${project.id}`, admin.token, { slug: "-Bad", name: "x".repeat(65) });
    expect(bad.statusCode).toBe(422);
    expect(JSON.stringify(bad.json().message)).toContain("Name must be 64 or fewer characters");
    expect(JSON.stringify(bad.json().message)).toContain("Project slug can only contain lowercase letters and numbers");
  });

  test("404 before membership; a member without settings:edit → PermissionDenied; nothing changes", async () => {
    expect((await call("PATCH", `/api/v1/workspace/${MISSING}`, admin.token, { name: "x" })).json()).toEqual(
      envelope(404, "NotFound", `Project with ID '${MISSING}' not found`),
    );
    const project = await createProject(t.app, admin.token, { name: "Guarded", slug: "guarded" });
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["member"] });
    expect((await call("PATCH", `/api/v1/workspace/${project.id}`, member.token, { name: "hijack" })).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to edit on settings", { details: [] }),
    );
    const row = await t.container.db.selectFrom("projects").select("name").where("id", "=", project.id).executeTakeFirstOrThrow();
    expect(row.name).toBe("Guarded");
  });
});

describe("DELETE /api/v1/workspace/:projectId", () => {
  test("deletes the project and everything under it; its members' tokens keep working elsewhere", async () => {
    const project = await createProject(t.app, admin.token, { slug: "doomed" });
    await createFolder(t.app, admin.token, { projectId: project.id, environment: "dev", path: "/", name: "app" });
    const created = await t.app.inject({
      method: "POST",
      url: "/api/v1/dynamic-secrets",
      headers: bearer(admin.token),
      payload: {
        projectSlug: "doomed",
        environmentSlug: "dev",
        path: "/app",
        name: "totp",
        provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
        defaultTTL: "1h",
        metadata: [{ key: "team", value: "a" }],
      },
    });
    expect(created.statusCode).toBe(200);
    const role = await createCustomRole(t.app, admin.token, project.id, { slug: "r1", permissions: [{ subject: "secrets", action: ["read"] }] });
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["r1"] });

    const response = await call("DELETE", `/api/v1/workspace/${project.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().project).toMatchObject({ id: project.id, slug: "doomed", orgId: admin.orgId });
    expect(response.json().project).not.toHaveProperty("environments");

    const db = t.container.db;
    const count = async (table: "projects" | "project_environments" | "project_roles" | "identity_project_memberships" | "project_data_keys", column: string) =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).where(column as never, "=", project.id as never).executeTakeFirstOrThrow()).n);
    expect(await count("projects", "id")).toBe(0);
    expect(await count("project_environments", "project_id")).toBe(0);
    expect(await count("project_roles", "project_id")).toBe(0);
    expect(await count("identity_project_memberships", "project_id")).toBe(0);
    expect(await count("project_data_keys", "project_id")).toBe(0);
    expect(await db.selectFrom("dynamic_secrets").select("id").where("id", "=", created.json().dynamicSecret.id).execute()).toEqual([]);
    expect(await db.selectFrom("resource_metadata").select("id").where("dynamic_secret_id", "=", created.json().dynamicSecret.id).execute()).toEqual([]);
    expect(await db.selectFrom("identity_project_membership_roles").select("id").where("custom_role_id", "=", role.id).execute()).toEqual([]);
    expect(await auditRows(project.id, "delete-project")).toEqual([
      expect.objectContaining({ project_name: "doomed", event_metadata: expect.objectContaining({ id: project.id, slug: "doomed" }) }),
    ]);
    // The former member still authenticates; the project is simply gone.
    expect((await call("GET", `/api/v1/workspace/${project.id}`, member.token)).statusCode).toBe(404);
    expect((await call("GET", "/api/v1/workspace", member.token)).json()).toEqual({ projects: [] });
    expect((await call("DELETE", `/api/v1/workspace/${project.id}`)).statusCode).toBe(404);
  });

  test("delete protection → 403 ForbiddenError; a member (no workspace:delete) → PermissionDenied", async () => {
    const project = await createProject(t.app, admin.token, { slug: "protected" });
    await call("PATCH", `/api/v1/workspace/${project.id}`, admin.token, { hasDeleteProtection: true });
    expect((await call("DELETE", `/api/v1/workspace/${project.id}`)).json()).toEqual(
      envelope(403, "ForbiddenError", "Project delete protection is enabled"),
    );
    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["member"] });
    expect((await call("DELETE", `/api/v1/workspace/${project.id}`, member.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to delete on workspace",
    });
    const rows = await t.container.db.selectFrom("projects").select("id").where("id", "=", project.id).execute();
    expect(rows).toHaveLength(1);
  });
});
