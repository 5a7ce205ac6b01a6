import { afterAll, beforeAll, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createCustomRole, createFolder, createIdentityWithToken, createProject } from "../../support/factories.js";

// GET /api/v1/folders/:id: Infisical's body (the folder, its environment as {envId, envName,
// envSlug}, its path and project id); 404 by id first, then membership, then secret-folders:read
// where a list would show it.

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("folder-by-id"));
});
afterAll(async () => t.close());

const get = (id: string, token = admin.token) => t.app.inject({ method: "GET", url: `/api/v1/folders/${id}`, headers: bearer(token) });

test("a nested folder with its environment, path and project; the root is `/`", async () => {
  const { id } = await createFolder(t.app, admin.token, { projectId, environment: "staging", path: "/app/api", name: "v1" });
  const response = await get(id);
  expect(response.statusCode, response.body).toBe(200);
  const env = await t.testDb.db.selectFrom("project_environments").selectAll().where("project_id", "=", projectId).where("slug", "=", "staging").executeTakeFirstOrThrow();
  const { folder } = response.json();
  expect(folder).toMatchObject({
    id,
    name: "v1",
    envId: env.id,
    version: 1,
    isReserved: false,
    description: null,
    environment: { envId: env.id, envName: "Staging", envSlug: "staging" },
    path: "/app/api/v1",
    projectId,
  });
  expect(typeof folder.parentId).toBe("string");
  expect(Object.keys(folder).sort()).toEqual(
    ["createdAt", "description", "envId", "environment", "id", "isReserved", "lastSecretModified", "name", "parentId", "path", "projectId", "updatedAt", "version"].sort(),
  );

  const parent = await get(folder.parentId);
  expect(parent.json().folder).toMatchObject({ name: "api", path: "/app/api" });
  const root = await t.testDb.db.selectFrom("secret_folders").select("id").where("env_id", "=", env.id).where("parent_id", "is", null).executeTakeFirstOrThrow();
  expect((await get(root.id)).json().folder).toMatchObject({ id: root.id, name: "root", parentId: null, path: "/" });
});

test("unknown or malformed id → 404; an outsider → not a member; no secret-folders:read → 403", async () => {
  const missing = "00000000-0000-4000-8000-000000000000";
  expect((await get(missing)).json()).toEqual(envelope(404, "NotFound", `Folder with ID '${missing}' not found`));
  expect((await get("not-a-uuid")).json()).toEqual(envelope(404, "NotFound", "Folder with ID 'not-a-uuid' not found"));

  const { id } = await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/", name: "guarded" });
  const otherProject = (await createProject(t.app, admin.token, { slug: "folder-by-id-other" })).id;
  const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: otherProject, roles: ["admin"] });
  const denied = await get(id, outsider.token);
  expect(denied.statusCode).toBe(403);
  expect(denied.json().error).toBe("You are not member of this project");

  await createCustomRole(t.app, admin.token, projectId, { slug: "envs-only", permissions: [{ subject: "environments", action: ["read"] }] });
  const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["envs-only"] });
  expect((await get(id, member.token)).json()).toEqual(
    envelope(403, "PermissionDenied", "You are not allowed to read on secret-folders", { details: [] }),
  );
  const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
  expect((await get(id, viewer.token)).statusCode).toBe(200);
});
