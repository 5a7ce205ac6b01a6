import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createFolder, createIdentityWithToken, createProject, injectAs, MISSING } from "../../support/factories.js";

// GET/PATCH/DELETE /api/v1/workspace/:projectId/environments/:id (Infisical's project-env router).

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const call = (method: "GET" | "PATCH" | "DELETE", url: string, token = admin.token, payload?: object) => injectAs(t.app, token, method, url, payload);

async function environmentsOf(projectId: string) {
  return t.container.db
    .selectFrom("project_environments")
    .select(["id", "slug", "name", "position"])
    .where("project_id", "=", projectId)
    .orderBy("position")
    .execute();
}

async function projectWithEnvs(slug: string) {
  const project = await createProject(t.app, admin.token, { slug });
  const envs = await environmentsOf(project.id);
  const id = (envSlug: string) => envs.find((e) => e.slug === envSlug)!.id;
  return { project, dev: id("dev"), staging: id("staging"), prod: id("prod") };
}

describe("GET /api/v1/workspace/:projectId/environments/:envId", () => {
  test("the environment; audited as get-environment", async () => {
    const { project, staging } = await projectWithEnvs("env-get");
    const response = await call("GET", `/api/v1/workspace/${project.id}/environments/${staging}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      environment: {
        id: staging,
        name: "Staging",
        slug: "staging",
        position: 2,
        projectId: project.id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    const audit = await t.container.db.selectFrom("audit_logs").select(["event_metadata"]).where("event_type", "=", "get-environment").execute();
    expect(audit).toEqual([{ event_metadata: { id: staging } }]);
  });

  test("unknown id → 404; a member of no project → 403; a no-access member → PermissionDenied", async () => {
    const { project, dev } = await projectWithEnvs("env-get-perm");
    expect((await call("GET", `/api/v1/workspace/${project.id}/environments/${MISSING}`)).json()).toEqual(
      envelope(404, "NotFound", `Environment with ID '${MISSING}' not found`),
    );
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await call("GET", `/api/v1/workspace/${project.id}/environments/${dev}`, outsider.token)).statusCode).toBe(403);
    const noAccess = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["no-access"] });
    expect((await call("GET", `/api/v1/workspace/${project.id}/environments/${dev}`, noAccess.token)).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to read on environments", { details: [] }),
    );
  });
});

describe("PATCH /api/v1/workspace/:projectId/environments/:id", () => {
  test("renames and re-slugs; the old slug no longer resolves; audited with old and new values", async () => {
    const { project, dev } = await projectWithEnvs("env-rename");
    await createFolder(t.app, admin.token, { projectId: project.id, environment: "dev", path: "/", name: "app" });
    const response = await call("PATCH", `/api/v1/workspace/${project.id}/environments/${dev}`, admin.token, { name: "Develop", slug: "develop" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: "Successfully updated environment",
      projectId: project.id,
      environment: {
        id: dev,
        name: "Develop",
        slug: "develop",
        position: 1,
        projectId: project.id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    const list = (slug: string) =>
      call("GET", `/api/v1/folders?workspaceId=${project.id}&environment=${slug}&path=/`).then((r) => r.json().folders.map((f: { name: string }) => f.name));
    expect(await list("develop")).toEqual(["app"]);
    const audit = await t.container.db
      .selectFrom("audit_logs")
      .select(["event_metadata", "project_name"])
      .where("event_type", "=", "update-environment")
      .where("project_id", "=", project.id)
      .execute();
    expect(audit).toEqual([
      {
        project_name: "env-rename",
        event_metadata: { oldName: "Development", newName: "Develop", oldSlug: "dev", newSlug: "develop", oldPos: 1, newPos: 1 },
      },
    ]);
  });

  test("moving to an occupied position shifts the ones in between; a free position is simply taken", async () => {
    const { project, dev, staging, prod } = await projectWithEnvs("env-move");
    const move = (id: string, position: number) => call("PATCH", `/api/v1/workspace/${project.id}/environments/${id}`, admin.token, { position });
    expect((await move(dev, 3)).json().environment.position).toBe(3);
    expect((await environmentsOf(project.id)).map((e) => [e.slug, e.position])).toEqual([
      ["staging", 1],
      ["prod", 2],
      ["dev", 3],
    ]);
    await move(dev, 1);
    expect((await environmentsOf(project.id)).map((e) => [e.slug, e.position])).toEqual([
      ["dev", 1],
      ["staging", 2],
      ["prod", 3],
    ]);
    await move(prod, 2);
    expect((await environmentsOf(project.id)).map((e) => [e.id, e.position])).toEqual([
      [dev, 1],
      [prod, 2],
      [staging, 3],
    ]);
    await move(staging, 10);
    expect((await environmentsOf(project.id)).map((e) => e.position)).toEqual([1, 2, 10]);
    expect((await move(staging, 0)).statusCode).toBe(422);
  });

  test("a slug taken in the project → 400 UpdateEnvironment; unknown id → 404; viewer → PermissionDenied", async () => {
    const { project, dev } = await projectWithEnvs("env-patch-errors");
    expect((await call("PATCH", `/api/v1/workspace/${project.id}/environments/${dev}`, admin.token, { slug: "prod" })).json()).toEqual(
      envelope(400, "UpdateEnvironment", "Environment with slug already exists"),
    );
    expect((await call("PATCH", `/api/v1/workspace/${project.id}/environments/${MISSING}`, admin.token, { name: "x" })).json()).toEqual(
      envelope(404, "NotFound", `Environment with id '${MISSING}' in project with ID '${project.id}' not found`),
    );
    // An environment of another project is not found in this one.
    const other = await projectWithEnvs("env-patch-other");
    expect((await call("PATCH", `/api/v1/workspace/${project.id}/environments/${other.dev}`, admin.token, { name: "x" })).statusCode).toBe(404);
    const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer"] });
    expect((await call("PATCH", `/api/v1/workspace/${project.id}/environments/${dev}`, viewer.token, { name: "x" })).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to edit on environments", { details: [] }),
    );
    expect((await environmentsOf(project.id)).map((e) => e.name)).toEqual(["Development", "Staging", "Production"]);
  });
});

describe("DELETE /api/v1/workspace/:projectId/environments/:id", () => {
  test("deletes the environment with its folders and dynamic secrets; the others stay", async () => {
    const { project, staging } = await projectWithEnvs("env-delete");
    await createFolder(t.app, admin.token, { projectId: project.id, environment: "staging", path: "/a", name: "b" });
    const created = await t.app.inject({
      method: "POST",
      url: "/api/v1/dynamic-secrets",
      headers: bearer(admin.token),
      payload: {
        projectSlug: "env-delete",
        environmentSlug: "staging",
        path: "/a/b",
        name: "totp",
        provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
        defaultTTL: "1h",
      },
    });
    expect(created.statusCode).toBe(200);
    const response = await call("DELETE", `/api/v1/workspace/${project.id}/environments/${staging}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: "Successfully deleted environment",
      projectId: project.id,
      environment: expect.objectContaining({ id: staging, slug: "staging", name: "Staging", position: 2 }),
    });
    const db = t.container.db;
    expect((await environmentsOf(project.id)).map((e) => e.slug)).toEqual(["dev", "prod"]);
    expect(await db.selectFrom("secret_folders").select("id").where("env_id", "=", staging).execute()).toEqual([]);
    expect(await db.selectFrom("dynamic_secrets").select("id").where("id", "=", created.json().dynamicSecret.id).execute()).toEqual([]);
    const audit = await db.selectFrom("audit_logs").select("event_metadata").where("event_type", "=", "delete-environment").execute();
    expect(audit).toEqual([{ event_metadata: { name: "Staging", slug: "staging" } }]);
    expect((await call("DELETE", `/api/v1/workspace/${project.id}/environments/${staging}`)).json()).toEqual(
      envelope(404, "DeleteEnvironment", `Environment with id '${staging}' in project with ID '${project.id}' not found`),
    );
  });

  test("unknown project → 404; viewer → PermissionDenied and nothing is deleted", async () => {
    const { project, dev } = await projectWithEnvs("env-delete-perm");
    expect((await call("DELETE", `/api/v1/workspace/${MISSING}/environments/${dev}`)).json()).toEqual(
      envelope(404, "NotFound", `Project with ${MISSING} not found`),
    );
    const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer"] });
    expect((await call("DELETE", `/api/v1/workspace/${project.id}/environments/${dev}`, viewer.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to delete on environments",
    });
    expect(await environmentsOf(project.id)).toHaveLength(3);
  });
});
