import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { bearer, bootstrapInstance, createProject, type BootstrappedInstance } from "../../support/factories.js";

// Concurrent set-up writes: each one either lands whole or is refused with an envelope, never a 500.

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await bootstrapInstance(t.app);
});
afterAll(async () => t?.close());

test("environments created concurrently in one project all land, at distinct positions", async () => {
  const project = await createProject(t.app, admin.token, { slug: "conc-envs" });
  const responses = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/workspace/${project.id}/environments`,
        headers: bearer(admin.token),
        payload: { name: `Env ${i}`, slug: `env-${i}`, ...(i % 2 === 0 ? { position: 1 } : {}) },
      }),
    ),
  );
  expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
  const rows = await t.testDb.db.selectFrom("project_environments").select(["slug", "position"]).where("project_id", "=", project.id).orderBy("position").execute();
  expect(rows).toHaveLength(11);
  expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  const folders = await t.testDb.db
    .selectFrom("secret_folders")
    .innerJoin("project_environments", "project_environments.id", "secret_folders.env_id")
    .select("secret_folders.id")
    .where("project_environments.project_id", "=", project.id)
    .where("secret_folders.parent_id", "is", null)
    .execute();
  expect(folders).toHaveLength(11);
});

test("the same folder path created concurrently: one 200 per name, the rest 400, parents shared", async () => {
  const project = await createProject(t.app, admin.token, { slug: "conc-folders" });
  const responses = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      t.app.inject({
        method: "POST",
        url: "/api/v1/folders",
        headers: bearer(admin.token),
        payload: { workspaceId: project.id, environment: "dev", path: "/a/b", name: i < 3 ? "same" : `n${i}` },
      }),
    ),
  );
  const statuses = responses.map((r) => r.statusCode);
  expect(statuses.filter((s) => s === 200)).toHaveLength(4);
  expect(statuses.filter((s) => s === 400)).toHaveLength(2);
  for (const r of responses.filter((x) => x.statusCode === 400)) {
    expect(r.json()).toEqual({ reqId: expect.any(String), statusCode: 400, message: "Folder with name 'same' already exists in path '/a/b'", error: "BadRequest" });
  }
  const named = await t.testDb.db.selectFrom("secret_folders").select("id").where("name", "in", ["a", "b"]).execute();
  expect(named).toHaveLength(2);
});
