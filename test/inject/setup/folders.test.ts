import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createCustomRole, createFolder, createIdentityWithToken } from "../../support/factories.js";

// POST /api/v1/folders (§C.3) and folder resolution by path (§B.5 step 6).

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("folder-proj"));
});
afterAll(async () => t.close());

const postFolder = (payload: object, token = admin.token) =>
  t.app.inject({ method: "POST", url: "/api/v1/folders", headers: bearer(token), payload });

describe("POST /api/v1/folders", () => {
  test("creates under root; response shape", async () => {
    const response = await postFolder({ workspaceId: projectId, environment: "dev", name: "app", description: "the app" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      folder: {
        id: expect.any(String),
        name: "app",
        envId: expect.any(String),
        parentId: expect.any(String),
        version: 1,
        isReserved: false,
        description: "the app",
        lastSecretModified: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
  });

  test("missing parents are created; path without leading slash and with trailing slash is normalized", async () => {
    const response = await postFolder({ workspaceId: projectId, environment: "staging", path: "a/b/", name: "c" });
    expect(response.statusCode).toBe(200);
    const folder = await t.container.folderService.resolveFolderByPath(projectId, "staging", "/a/b/c");
    expect(folder).toEqual({ id: response.json().folder.id, envId: response.json().folder.envId, environmentSlug: "staging", path: "/a/b/c" });
    expect(await t.container.folderService.resolveFolderByPath(projectId, "staging", "/a/b/")).toMatchObject({ path: "/a/b" });
    // Existing parents are reused.
    expect((await postFolder({ workspaceId: projectId, environment: "staging", path: "/a", name: "d" })).statusCode).toBe(200);
    const children = await t.container.db.selectFrom("secret_folders").select("name").where("env_id", "=", folder.envId).execute();
    expect(children.map((c) => c.name).sort()).toEqual(["a", "b", "c", "d", "root"]);
  });

  test("legacy `directory` alias", async () => {
    expect((await postFolder({ workspaceId: projectId, environment: "prod", directory: "/legacy", name: "x" })).statusCode).toBe(200);
    await expect(t.container.folderService.resolveFolderByPath(projectId, "prod", "/legacy/x")).resolves.toMatchObject({ path: "/legacy/x" });
  });

  test("duplicate name under the same parent → 400", async () => {
    await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/", name: "dup" });
    expect((await postFolder({ workspaceId: projectId, environment: "dev", path: "/", name: "dup" })).json()).toEqual(
      envelope(400, "BadRequest", "Folder with name 'dup' already exists in path '/'"),
    );
  });

  test("invalid name → 422; unknown environment → 404; invalid path segment → 400", async () => {
    const bad = await postFolder({ workspaceId: projectId, environment: "dev", name: "bad name!" });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().message).toEqual([
      expect.objectContaining({
        path: ["name"],
        message: "Invalid folder name. Only alphanumeric characters, dashes, and underscores are allowed.",
      }),
    ]);
    expect((await postFolder({ workspaceId: projectId, environment: "qa", name: "x" })).json()).toEqual(
      envelope(404, "NotFound", `Environment with slug 'qa' in project with ID '${projectId}' not found`),
    );
    expect((await postFolder({ workspaceId: projectId, environment: "dev", path: "/bad path!", name: "x" })).json()).toEqual(
      envelope(400, "BadRequest", "Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed."),
    );
  });

  test("folder permission honours environment and path conditions", async () => {
    await createCustomRole(t.app, admin.token, projectId, {
      slug: "dev-app-folders",
      permissions: [{ subject: "secret-folders", action: ["create"], conditions: { environment: "dev", secretPath: { $glob: "/app/**" } } }],
    });
    const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["dev-app-folders"] });
    expect((await postFolder({ workspaceId: projectId, environment: "dev", path: "/app", name: "ok" }, m.token)).statusCode).toBe(200);
    expect((await postFolder({ workspaceId: projectId, environment: "prod", path: "/app", name: "no" }, m.token)).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to create on secret-folders",
      details: [
        {
          action: ["create"],
          inverted: false,
          subject: ["secret-folders"],
          conditions: { environment: "dev", secretPath: { $glob: "/app/**" } },
        },
      ],
      error: "PermissionDenied",
    });
  });
});

describe("resolveFolderByPath", () => {
  test("404 names the path as given (the router already removed one trailing slash) and the environment", async () => {
    await expect(t.container.folderService.resolveFolderByPath(projectId, "dev", "/missing/")).rejects.toMatchObject({
      status: 404,
      message: "Folder with path '/missing/' in environment 'dev' not found",
    });
    await expect(t.container.folderService.resolveFolderByPath(projectId, "nope", "/")).rejects.toMatchObject({
      status: 404,
      message: "Folder with path '/' in environment 'nope' not found",
    });
  });

  test("400 for a segment with other characters", async () => {
    await expect(t.container.folderService.resolveFolderByPath(projectId, "dev", "/bad path!")).rejects.toMatchObject({
      status: 400,
      message: "Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed.",
    });
  });

  test("root and nested", async () => {
    const root = await t.container.folderService.resolveFolderByPath(projectId, "dev", "/");
    expect(root).toMatchObject({ environmentSlug: "dev", path: "/" });
    await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/deep/er", name: "est" });
    const nested = await t.container.folderService.resolveFolderByPath(projectId, "dev", "/deep/er/est");
    expect(nested.envId).toBe(root.envId);
    await expect(t.container.folderService.resolveFolderByPath(projectId, "prod", "/deep/er/est")).rejects.toMatchObject({ status: 404 });
  });
});

describe("GET /api/v1/folders", () => {
  test("lists the direct children of a path; an unknown path lists nothing", async () => {
    await createFolder(t.app, admin.token, { projectId, environment: "staging", path: "/list", name: "b" });
    await createFolder(t.app, admin.token, { projectId, environment: "staging", path: "/list", name: "a" });
    await createFolder(t.app, admin.token, { projectId, environment: "staging", path: "/list/a", name: "deeper" });
    const response = await t.app.inject({
      method: "GET",
      url: `/api/v1/folders?workspaceId=${projectId}&environment=staging&path=/list`,
      headers: bearer(admin.token),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().folders.map((f: { name: string }) => f.name)).toEqual(["a", "b"]);
    const none = await t.app.inject({
      method: "GET",
      url: `/api/v1/folders?workspaceId=${projectId}&environment=staging&path=/nowhere`,
      headers: bearer(admin.token),
    });
    expect(none.json()).toEqual({ folders: [] });
  });

  test("needs read on secret-folders", async () => {
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["no-access"] });
    const response = await t.app.inject({
      method: "GET",
      url: `/api/v1/folders?workspaceId=${projectId}&environment=dev`,
      headers: bearer(outsider.token),
    });
    expect(response.json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to read on secret-folders",
      details: [],
      error: "PermissionDenied",
    });
  });
});
