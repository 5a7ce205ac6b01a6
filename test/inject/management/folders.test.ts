import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createCustomRole, createFolder, createIdentityWithToken, MISSING } from "../../support/factories.js";

// PATCH /api/v1/folders/:folderId, DELETE /api/v1/folders/:folderIdOrName, GET /api/v1/folders on a
// missing environment, and the bound on folders created per request.

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("folders-mgmt"));
});
afterAll(async () => t.close());

const patchFolder = (folderId: string, payload: object, token = admin.token) =>
  t.app.inject({ method: "PATCH", url: `/api/v1/folders/${folderId}`, headers: bearer(token), payload: { workspaceId: projectId, ...payload } });
const deleteFolder = (idOrName: string, payload: object, token = admin.token) =>
  t.app.inject({ method: "DELETE", url: `/api/v1/folders/${idOrName}`, headers: bearer(token), payload: { workspaceId: projectId, ...payload } });
const list = async (environment: string, path: string) =>
  (
    await t.app.inject({
      method: "GET",
      url: `/api/v1/folders?workspaceId=${projectId}&environment=${environment}&path=${encodeURIComponent(path)}`,
      headers: bearer(admin.token),
    })
  )
    .json()
    .folders.map((f: { name: string }) => f.name);

async function createTotp(environmentSlug: string, path: string, name: string): Promise<string> {
  const response = await t.app.inject({
    method: "POST",
    url: "/api/v1/dynamic-secrets",
    headers: bearer(admin.token),
    payload: {
      projectSlug: "folders-mgmt",
      environmentSlug,
      path,
      name,
      provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
      defaultTTL: "1h",
    },
  });
  expect(response.statusCode).toBe(200);
  return response.json().dynamicSecret.id;
}

describe("PATCH /api/v1/folders/:folderId", () => {
  test("renames by id; dynamic secrets inside answer under the new path; audited", async () => {
    const folder = await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/ren", name: "old" });
    await createTotp("dev", "/ren/old", "inside");
    const response = await patchFolder(folder.id, { environment: "dev", path: "/ren", name: "new", description: "renamed" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      folder: {
        id: folder.id,
        name: "new",
        envId: expect.any(String),
        parentId: expect.any(String),
        version: 1,
        isReserved: false,
        description: "renamed",
        lastSecretModified: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect(await list("dev", "/ren")).toEqual(["new"]);
    const get = (path: string) =>
      t.app.inject({
        method: "GET",
        url: `/api/v1/dynamic-secrets/inside?projectSlug=folders-mgmt&environmentSlug=dev&path=${path}`,
        headers: bearer(admin.token),
      });
    expect((await get("/ren/new")).statusCode).toBe(200);
    expect((await get("/ren/old")).statusCode).toBe(404);
    const audit = await t.container.db.selectFrom("audit_logs").select(["event_metadata", "project_name"]).where("event_type", "=", "update-folder").execute();
    expect(audit).toEqual([
      {
        project_name: "folders-mgmt",
        event_metadata: { environment: "dev", folderId: folder.id, folderPath: "/ren", newFolderName: "new", oldFolderName: "old" },
      },
    ]);
  });

  test("by name too (old CLIs); a name taken under the parent → 400; bad name → 422", async () => {
    await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/byname", name: "one" });
    await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/byname", name: "two" });
    expect((await patchFolder("one", { environment: "dev", path: "/byname", name: "uno" })).statusCode).toBe(200);
    expect((await patchFolder("uno", { environment: "dev", path: "/byname", name: "two" })).json()).toEqual(
      envelope(400, "UpdateFolder", "Folder with specified name already exists"),
    );
    expect((await patchFolder("uno", { environment: "dev", path: "/byname", name: "no spaces" })).statusCode).toBe(422);
    expect(await list("dev", "/byname")).toEqual(["two", "uno"]);
  });

  test("404s: the parent path, then the folder; permission follows the path condition", async () => {
    const folder = await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/guard", name: "x" });
    expect((await patchFolder(folder.id, { environment: "dev", path: "/nowhere", name: "y" })).json()).toEqual(
      envelope(404, "UpdateFolder", "Folder with path '/nowhere' in environment with slug 'dev' not found"),
    );
    expect((await patchFolder(MISSING, { environment: "dev", path: "/guard", name: "y" })).json()).toEqual(
      envelope(404, "UpdateFolder", `Folder with ID '${MISSING}' not found`),
    );
    // A folder of another parent is not found under this one.
    expect((await patchFolder(folder.id, { environment: "dev", path: "/", name: "y" })).statusCode).toBe(404);
    await createCustomRole(t.app, admin.token, projectId, {
      slug: "edit-app-folders",
      permissions: [{ subject: "secret-folders", action: ["edit"], conditions: { secretPath: { $glob: "/app/**" } } }],
    });
    const editor = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["edit-app-folders"] });
    expect((await patchFolder(folder.id, { environment: "dev", path: "/guard", name: "y" }, editor.token)).json()).toMatchObject({
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to edit on secret-folders",
    });
    expect(await list("dev", "/guard")).toEqual(["x"]);
  });
});

describe("DELETE /api/v1/folders/:folderIdOrName", () => {
  test("by name: the folder, its sub-folders and their dynamic secrets go; siblings stay; audited", async () => {
    await createFolder(t.app, admin.token, { projectId, environment: "staging", path: "/del/a/b", name: "c" });
    await createFolder(t.app, admin.token, { projectId, environment: "staging", path: "/del", name: "sibling" });
    const deep = await createTotp("staging", "/del/a/b/c", "deep");
    const kept = await createTotp("staging", "/del/sibling", "kept");
    const response = await deleteFolder("a", { environment: "staging", path: "/del" });
    expect(response.statusCode).toBe(200);
    expect(response.json().folder).toMatchObject({ name: "a" });
    const db = t.container.db;
    expect(await db.selectFrom("dynamic_secrets").select("id").where("id", "in", [deep, kept]).execute()).toEqual([{ id: kept }]);
    const names = await db
      .selectFrom("secret_folders")
      .select("name")
      .where("name", "in", ["a", "b", "c", "sibling"])
      .where("env_id", "=", response.json().folder.envId)
      .execute();
    expect(names).toEqual([{ name: "sibling" }]);
    const audit = await db.selectFrom("audit_logs").select("event_metadata").where("event_type", "=", "delete-folder").execute();
    expect(audit).toEqual([
      { event_metadata: { environment: "staging", folderId: response.json().folder.id, folderPath: "/del", folderName: "a" } },
    ]);
  });

  test("by id; then 404; unknown environment and path → 404; a viewer → PermissionDenied", async () => {
    const folder = await createFolder(t.app, admin.token, { projectId, environment: "prod", path: "/", name: "byid" });
    expect((await deleteFolder(folder.id, { environment: "prod", path: "/" })).statusCode).toBe(200);
    expect((await deleteFolder(folder.id, { environment: "prod", path: "/" })).json()).toEqual(
      envelope(404, "NotFound", `Folder with ID '${folder.id}' not found`),
    );
    expect((await deleteFolder("x", { environment: "qa", path: "/" })).json()).toEqual(
      envelope(404, "NotFound", "Environment with slug 'qa' not found"),
    );
    expect((await deleteFolder("x", { environment: "prod", path: "/no/where" })).json()).toEqual(
      envelope(404, "NotFound", "Folder with path '/no/where' in environment with slug 'prod' not found"),
    );
    await createFolder(t.app, admin.token, { projectId, environment: "prod", path: "/", name: "kept" });
    const viewer = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    expect((await deleteFolder("kept", { environment: "prod", path: "/" }, viewer.token)).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to delete on secret-folders", { details: [] }),
    );
    expect(await list("prod", "/")).toContain("kept");
  });
});

describe("GET /api/v1/folders", () => {
  test("an unknown environment → 404 (Infisical); an unknown path still lists nothing", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/v1/folders?workspaceId=${projectId}&environment=qa&path=/`,
      headers: bearer(admin.token),
    });
    expect(response.json()).toEqual(envelope(404, "NotFound", "Environment with slug 'qa' not found"));
    expect(await list("dev", "/no/such/path")).toEqual([]);
  });
});

describe("folders created per request", () => {
  const create = (path: string, name = "leaf") =>
    t.app.inject({
      method: "POST",
      url: "/api/v1/folders",
      headers: bearer(admin.token),
      payload: { workspaceId: projectId, environment: "dev", path, name },
    });
  const chain = (n: number, prefix: string) => "/" + Array.from({ length: n }, (_, i) => `${prefix}${i}`).join("/");

  test("up to 20 (missing parents included) in one request; more → 422 and nothing is created", async () => {
    expect((await create(chain(19, "ok"))).statusCode).toBe(200);
    const tooMany = await create(chain(20, "no"));
    expect(tooMany.json()).toEqual(envelope(422, "ValidationFailure", "A request may create at most 20 folders; this one would create 21"));
    const created = await t.container.db.selectFrom("secret_folders").select("id").where("name", "like", "no%").execute();
    expect(created).toEqual([]);
  });

  test("existing parents do not count: a deep tree grows request by request", async () => {
    expect((await create(chain(19, "d"))).statusCode).toBe(200);
    expect((await create(`${chain(19, "d")}/leaf`, "deeper")).statusCode).toBe(200);
    expect(await list("dev", `${chain(19, "d")}/leaf`)).toEqual(["deeper"]);
  });

  test("a 400 KB path of 200,000 segments answers 422 without writing", async () => {
    const response = await create("/a".repeat(200_000));
    expect(response.statusCode).toBe(422);
    expect(response.json().message).toBe("A request may create at most 20 folders; this one would create 200001");
  });
});
