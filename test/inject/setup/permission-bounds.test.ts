import { afterAll, beforeAll, expect, test } from "vitest";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject } from "../../support/factories.js";

// Permission rules are parsed before any permission check, for any authenticated caller, and glob
// parsing is superlinear: glob length, glob nesting and the number of rules are bounded (422).

let t: TestApp;
let admin: BootstrappedInstance;
let project: { id: string; slug: string };

beforeAll(async () => {
  ({ t, admin, project } = await buildAppWithProject("bounds-proj"));
});
afterAll(async () => t?.close());

const globRule = (pattern: string) => ({ subject: "dynamic-secrets", action: ["lease"], conditions: { secretPath: { $glob: pattern } } });
const postRole = (slug: string, permissions: unknown[]) =>
  t.app.inject({ method: "POST", url: `/api/v2/workspace/${project.id}/roles`, headers: bearer(admin.token), payload: { slug, name: slug, permissions } });
const roleCount = async () => (await t.testDb.db.selectFrom("project_roles").select("id").execute()).length;

test.each([
  ["a glob over 255 characters", `/${"a".repeat(255)}`, "Glob pattern must be at most 255 characters"],
  ["a glob of 17 nested groups", `/${"!(".repeat(17)}a${")".repeat(17)}`, "Glob pattern must have at most 16 groups"],
  ["a huge nested glob", "!(".repeat(30_000), "Glob pattern must be at most 255 characters"],
])("%s → 422, no role", async (_label, pattern, message) => {
  const before = await roleCount();
  const response = await postRole("glob-bound", [globRule(pattern)]);
  expect(response.statusCode).toBe(422);
  expect(response.json()).toMatchObject({ reqId: expect.any(String), statusCode: 422, error: "ValidationFailure" });
  expect(JSON.stringify(response.json().message)).toContain(message);
  expect(await roleCount()).toBe(before);
});

test("the bounds themselves are accepted: 255 characters, 16 groups, 256 rules", async () => {
  const pattern = `/${"@(a|b)".repeat(16)}${"x".repeat(254 - 16 * 6)}`;
  expect(pattern).toHaveLength(255);
  const rules = Array.from({ length: 256 }, () => globRule(pattern));
  const response = await postRole("at-the-bounds", rules);
  expect(response.statusCode).toBe(200);
  expect(response.json().role.permissions).toHaveLength(256);
});

test.each([
  ["v2 role", () => `/api/v2/workspace/${project.id}/roles`, (rules: unknown[]) => ({ slug: "too-many", name: "n", permissions: rules })],
  ["v1 role", () => `/api/v1/workspace/${project.slug}/roles`, (rules: unknown[]) => ({ slug: "too-many-v1", name: "n", permissions: rules })],
  [
    "additional privilege",
    () => "/api/v2/identity-project-additional-privilege",
    (rules: unknown[]) => ({ identityId: admin.identityId, projectId: project.id, permissions: rules }),
  ],
])("%s with 257 rules → 422 before any rule is parsed", async (_label, url, body) => {
  // The rules are not even valid: the count is refused first.
  const response = await t.app.inject({ method: "POST", url: url(), headers: bearer(admin.token), payload: body(Array(257).fill({ nope: 1 })) });
  expect(response.json()).toEqual({
    reqId: expect.any(String),
    statusCode: 422,
    message: [expect.objectContaining({ code: "too_big", path: ["permissions"], message: "At most 256 permission rules are allowed" })],
    error: "ValidationFailure",
  });
});
