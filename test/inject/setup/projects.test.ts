import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createIdentityWithToken, createProject } from "../../support/factories.js";

// POST /api/v2/workspace and POST /api/v1/workspace/:projectId/environments (§C.1, §C.2).

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const createWorkspace = (payload: object, token = admin.token) =>
  t.app.inject({ method: "POST", url: "/api/v2/workspace", headers: bearer(token), payload });
const createEnv = (projectId: string, payload: object, token = admin.token) =>
  t.app.inject({ method: "POST", url: `/api/v1/workspace/${projectId}/environments`, headers: bearer(token), payload });

describe("POST /api/v2/workspace", () => {
  test("creates dev/staging/prod with root folders and makes the creator admin", async () => {
    const response = await createWorkspace({ projectName: " DS Project ", slug: "ds-proj", projectDescription: "d" });
    expect(response.statusCode).toBe(200);
    const { project } = response.json();
    expect(project).toEqual({
      id: expect.any(String),
      _id: project.id,
      name: "DS Project",
      slug: "ds-proj",
      description: "d",
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
    });
    const db = t.container.db;
    const envs = await db.selectFrom("project_environments").select(["slug", "position"]).where("project_id", "=", project.id).orderBy("position").execute();
    expect(envs).toEqual([
      { slug: "dev", position: 1 },
      { slug: "staging", position: 2 },
      { slug: "prod", position: 3 },
    ]);
    const roots = await db
      .selectFrom("secret_folders")
      .innerJoin("project_environments", "project_environments.id", "secret_folders.env_id")
      .select(["secret_folders.name", "secret_folders.parent_id"])
      .where("project_environments.project_id", "=", project.id)
      .execute();
    expect(roots).toEqual(Array(3).fill({ name: "root", parent_id: null }));
    const roles = await db
      .selectFrom("identity_project_memberships as m")
      .innerJoin("identity_project_membership_roles as r", "r.membership_id", "m.id")
      .select(["m.identity_id", "r.role", "r.is_temporary"])
      .where("m.project_id", "=", project.id)
      .execute();
    expect(roles).toEqual([{ identity_id: admin.identityId, role: "admin", is_temporary: false }]);
  });

  test("generated slug from the name; shouldCreateDefaultEnvs:false", async () => {
    const response = await createWorkspace({ projectName: "My Fancy App!", shouldCreateDefaultEnvs: false });
    expect(response.json().project).toMatchObject({ slug: expect.stringMatching(/^my-fancy-app-[a-z0-9]{4}$/), environments: [] });
  });

  test("duplicate slug in the org → 400", async () => {
    await createProject(t.app, admin.token, { slug: "dup-slug" });
    expect((await createWorkspace({ projectName: "x", slug: "dup-slug" })).json()).toEqual(
      envelope(
        400,
        "BadRequest",
        'A project with the slug "dup-slug" already exists in your organization. Please choose a different name or slug.',
      ),
    );
  });

  test.each([
    ["Bad_Slug", "Slug field can only contain lowercase letters, numbers, and hyphens"],
    ["a--b-c", "Slug field can only contain lowercase letters, numbers, and hyphens"],
    ["abc", "Slug field must be at least 5 lowercase characters"],
    ["a".repeat(37), "Slug field must be at most 36 lowercase characters"],
  ])("slug %j → 422 %s", async (slug, message) => {
    const response = await createWorkspace({ projectName: "x", slug });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      reqId: expect.any(String),
      statusCode: 422,
      message: [expect.objectContaining({ path: ["slug"], message })],
      error: "ValidationFailure",
    });
  });

  test("an org no-access identity may not create projects", async () => {
    const weak = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await createWorkspace({ projectName: "x" }, weak.token)).json()).toEqual(
      envelope(403, "ForbiddenError", "You don't have permission to create a project"),
    );
  });

  test("an org member identity may, and becomes its admin", async () => {
    const memberOrg = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "member" });
    const response = await createWorkspace({ projectName: "Members project" }, memberOrg.token);
    expect(response.statusCode).toBe(200);
    const project = response.json().project;
    const env = await createEnv(project.id, { name: "QA", slug: "qa" }, memberOrg.token);
    expect(env.statusCode).toBe(200);
  });
});

describe("POST /api/v1/workspace/:projectId/environments", () => {
  test("appends, or inserts at a position shifting the others; root folder created", async () => {
    const project = await createProject(t.app, admin.token, { slug: "env-proj" });
    const qa = await createEnv(project.id, { name: " QA ", slug: "qa" });
    expect(qa.statusCode).toBe(200);
    expect(qa.json()).toEqual({
      message: "Successfully created new environment",
      projectId: project.id,
      workspace: project.id,
      environment: {
        id: expect.any(String),
        name: "QA",
        slug: "qa",
        position: 4,
        projectId: project.id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    const test1 = await createEnv(project.id, { name: "Test", slug: "test", position: 2 });
    expect(test1.json().environment.position).toBe(2);
    const envs = await t.container.db
      .selectFrom("project_environments")
      .select(["slug", "position"])
      .where("project_id", "=", project.id)
      .orderBy("position")
      .execute();
    expect(envs.map((e) => e.slug)).toEqual(["dev", "test", "staging", "prod", "qa"]);
    expect(envs.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    const root = await t.container.db
      .selectFrom("secret_folders")
      .select(["name", "parent_id"])
      .where("env_id", "=", qa.json().environment.id)
      .execute();
    expect(root).toEqual([{ name: "root", parent_id: null }]);
  });

  test("duplicate slug → 400 CreateEnvironment; bad slug → 422", async () => {
    const project = await createProject(t.app, admin.token, { slug: "env-dup" });
    expect((await createEnv(project.id, { name: "Dev again", slug: "dev" })).json()).toEqual(
      envelope(400, "CreateEnvironment", "Environment with slug already exists"),
    );
    const bad = await createEnv(project.id, { name: "x", slug: "a".repeat(65) });
    expect(bad.json().message).toEqual([expect.objectContaining({ path: ["slug"], message: "Slug field must be at most 64 lowercase characters" })]);
  });

  test("unknown project → 404; non-member → 403; viewer → PermissionDenied", async () => {
    expect((await createEnv("00000000-0000-4000-8000-000000000000", { name: "x", slug: "x" })).json()).toEqual(
      envelope(404, "NotFound", "Project with 00000000-0000-4000-8000-000000000000 not found"),
    );
    const project = await createProject(t.app, admin.token, { slug: "env-perm" });
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await createEnv(project.id, { name: "x", slug: "x" }, outsider.token)).json()).toEqual(
      envelope(403, "You are not member of this project", "You are not allowed to access this resource"),
    );
    const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer"] });
    expect((await createEnv(project.id, { name: "x", slug: "x" }, viewer.token)).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to create on environments",
      details: [],
      error: "PermissionDenied",
    });
  });
});
