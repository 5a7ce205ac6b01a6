import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, createIdentity, createMember, type Fixture, patchBody, SQL_INPUTS, type TestIdentity } from "../../support/factories.js";
import { envelope, patchDs, rawPatch } from "./patch-support.js";

// PATCH /api/v1/dynamic-secrets/{name}: transport, validation, lookup order, permissions and
// renames (patch-endpoint.md §7 cases 1–61 as changed by D1–D24). Fixture as §7: project with dev
// (folders / and /app), secrets of the fake third-party provider with metadata team=a.

let t: DsTestApp;
let f: Fixture;
let view: TestIdentity;
let out: TestIdentity;
let counter = 0;

const DS = "dynamic-secrets";

/** A fresh §7 secret (fake-sql, 1h/24h, metadata team=a) in dev:/ unless told otherwise. */
async function freshSecret(options: { path?: string; metadata?: { key: string; value: string }[] } = {}): Promise<string> {
  counter += 1;
  const name = `mysql-ds-${counter}`;
  await createDynamicSecret(t, f, name, {
    path: options.path ?? "/",
    provider: { type: "fake-sql", inputs: SQL_INPUTS },
    defaultTTL: "1h",
    maxTTL: "24h",
    metadata: options.metadata ?? [{ key: "team", value: "a" }],
  });
  return name;
}

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "proj", { folders: ["dev:/app"] });
  view = await createMember(t, f, "view", { custom: [[{ subject: DS, action: ["read-root-credential"] }]] });
  out = await createIdentity(t, f.orgId, "outsider");
});
afterAll(async () => t?.close());

describe("auth and transport", () => {
  test("1: no Authorization → 401 Token missing", async () => {
    const name = await freshSecret();
    const res = await rawPatch(t, `/api/v1/dynamic-secrets/${name}`, { payload: patchBody(f, {}) });
    expect(res).toMatchObject({ status: 401, body: envelope(401, "UnauthorizedError", "Token missing") });
  });

  test("9: no auth and malformed JSON → still 401 (auth first)", async () => {
    const res = await rawPatch(t, "/api/v1/dynamic-secrets/x", { headers: { "content-type": "application/json" }, payload: '{"projectSlug":' });
    expect(res.status).toBe(401);
  });

  test("8 (D14): malformed JSON → 400 BadRequest", async () => {
    const res = await rawPatch(t, "/api/v1/dynamic-secrets/x", {
      headers: { ...auth(f.admin), "content-type": "application/json" },
      payload: '{"projectSlug":',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(envelope(400, "BadRequest", expect.any(String)));
  });

  test("10 (D14): unsupported content type → 415", async () => {
    const res = await rawPatch(t, "/api/v1/dynamic-secrets/x", {
      headers: { ...auth(f.admin), "content-type": "application/xml" },
      payload: "<a/>",
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual(envelope(415, "UnsupportedMediaType", expect.any(String)));
  });

  test("11: no body → 422 with one issue at the root", async () => {
    const res = await rawPatch(t, "/api/v1/dynamic-secrets/x", { headers: auth(f.admin) });
    expect(res.status).toBe(422);
    expect(res.body.message).toEqual([expect.objectContaining({ code: "invalid_type", path: [] })]);
  });

  test("12: trailing slash → 200", async () => {
    const name = await freshSecret();
    const res = await rawPatch(t, `/api/v1/dynamic-secrets/${name}/`, { headers: auth(f.admin), payload: patchBody(f, {}) });
    expect(res.status).toBe(200);
  });

  test("13, 14 (D14): no name, or a name over 100 characters → 404 envelope", async () => {
    const noName = await rawPatch(t, "/api/v1/dynamic-secrets/", { headers: auth(f.admin), payload: patchBody(f, {}) });
    expect(noName).toMatchObject({ status: 404, body: envelope(404, "NotFound", "Route PATCH:/api/v1/dynamic-secrets/ not found") });
    const long = `/api/v1/dynamic-secrets/${"a".repeat(101)}`;
    const tooLong = await rawPatch(t, long, { headers: auth(f.admin), payload: patchBody(f, {}) });
    expect(tooLong).toMatchObject({ status: 404, body: envelope(404, "NotFound", `Route PATCH:${long} not found`) });
    const exactly100 = await rawPatch(t, `/api/v1/dynamic-secrets/${"a".repeat(100)}`, { headers: auth(f.admin), payload: patchBody(f, {}) });
    expect(exactly100.body.message).toBe(`Dynamic secret with name '${"a".repeat(100)}' in folder '/' not found`);
  });
});

describe("schema validation → 422 ValidationFailure", () => {
  test("15: body {} names projectSlug, environmentSlug, data", async () => {
    const res = await rawPatch(t, "/api/v1/dynamic-secrets/x", { headers: auth(f.admin), payload: {} });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("ValidationFailure");
    expect(res.body.message.map((i: { code: string; path: unknown }) => [i.code, i.path])).toEqual([
      ["invalid_type", ["projectSlug"]],
      ["invalid_type", ["environmentSlug"]],
      ["invalid_type", ["data"]],
    ]);
  });

  test("19: exact envelope for a TTL under one minute", async () => {
    const res = await patchDs(t, f, "x", { defaultTTL: "30s" });
    expect(res.body).toEqual(
      envelope(422, "ValidationFailure", [{ code: "custom", message: "TTL must be a greater than 1min", path: ["data", "defaultTTL"] }]),
    );
  });

  test.each<[string, unknown, string, (string | number)[]]>([
    ["16 projectSlug empty", { projectSlug: "" }, "too_small", ["projectSlug"]],
    ["17 environmentSlug empty", { environmentSlug: "" }, "too_small", ["environmentSlug"]],
    ["18 data a string", { data: "x" }, "invalid_type", ["data"]],
    ["20 maxTTL 11y", { data: { maxTTL: "11y" } }, "custom", ["data", "maxTTL"]],
    ["21 defaultTTL null", { data: { defaultTTL: null } }, "invalid_type", ["data", "defaultTTL"]],
    ["22 newName null", { data: { newName: null } }, "invalid_type", ["data", "newName"]],
    ["23 template expression", { data: { usernameTemplate: "{{identity.email}}" } }, "custom", ["data", "usernameTemplate"]],
    ["24 template character", { data: { usernameTemplate: "a@b" } }, "custom", ["data", "usernameTemplate"]],
    ["25 template blank", { data: { usernameTemplate: "   " } }, "custom", ["data", "usernameTemplate"]],
    ["26 template too long", { data: { usernameTemplate: "a".repeat(256) } }, "too_big", ["data", "usernameTemplate"]],
    ["28 metadata blank key", { data: { metadata: [{ key: "  " }] } }, "too_small", ["data", "metadata", 0, "key"]],
    ["29 metadata null value", { data: { metadata: [{ key: "k", value: null }] } }, "invalid_type", ["data", "metadata", 0, "value"]],
    ["30 metadata long key", { data: { metadata: [{ key: "k".repeat(256) }] } }, "too_big", ["data", "metadata", 0, "key"]],
    ["31 metadata null", { data: { metadata: null } }, "invalid_type", ["data", "metadata"]],
    ["32 path null", { path: null }, "invalid_type", ["path"]],
    ["34 (D9) unparsable TTL", { data: { defaultTTL: "abc" } }, "custom", ["data", "defaultTTL"]],
    ["35 (D9) empty maxTTL", { data: { maxTTL: "" } }, "custom", ["data", "maxTTL"]],
    ["41 (D11) unparsable template", { data: { usernameTemplate: "{{" } }, "custom", ["data", "usernameTemplate"]],
    ["60 (D8) upper-case newName", { data: { newName: "Renamed" } }, "custom", ["data", "newName"]],
    ["61 (D8) empty newName", { data: { newName: "" } }, "too_small", ["data", "newName"]],
    ["68 (D12) inputs a string", { data: { inputs: "abc" } }, "invalid_type", ["data", "inputs"]],
  ])("%s", async (_label, override, code, path) => {
    const body = { ...patchBody(f, {}), ...(override as object) };
    const res = await rawPatch(t, "/api/v1/dynamic-secrets/x", { headers: auth(f.admin), payload: body });
    expect(res.status).toBe(422);
    expect(res.body.message).toContainEqual(expect.objectContaining({ code, path }));
  });

  test("27: a block helper gives two custom issues", async () => {
    const res = await patchDs(t, f, "x", { usernameTemplate: "{{#if x}}a{{/if}}" });
    expect(res.body.message).toEqual([
      { code: "custom", message: "Invalid input", path: ["data", "usernameTemplate"] },
      { code: "custom", message: "Invalid input", path: ["data", "usernameTemplate"] },
    ]);
  });

  test("D11: `{{randomUsername}}}` (Handlebars cannot parse it) → the same 422 as any unparsable template, nothing stored", async () => {
    const name = await freshSecret();
    const unparsable = await patchDs(t, f, name, { usernameTemplate: "{{" });
    const res = await patchDs(t, f, name, { usernameTemplate: "{{randomUsername}}}" });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      envelope(422, "ValidationFailure", [{ code: "custom", message: "Invalid input", path: ["data", "usernameTemplate"] }]),
    );
    expect(res.body.message).toEqual(unparsable.body.message);
    const after = await patchDs(t, f, name, {});
    expect(after.body.dynamicSecret.usernameTemplate).toBeNull();
  });

  test("F.2 19: validation comes before project and membership", async () => {
    const res = await patchDs(t, f, "x", {}, { as: out, environmentSlug: "" });
    expect(res.status).toBe(422);
  });
});

describe("boundary acceptances → 200", () => {
  test("33: 1m, 60s and 10y are stored exactly as sent", async () => {
    const name = await freshSecret();
    for (const ttl of ["1m", "60s", "10y"]) {
      const res = await patchDs(t, f, name, { defaultTTL: ttl, maxTTL: null });
      expect(res.status).toBe(200);
      expect(res.body.dynamicSecret.defaultTTL).toBe(ttl);
    }
  });

  test.each([
    ["36", "  {{randomUsername}}-{{unixTimestamp}}  ", "{{randomUsername}}-{{unixTimestamp}}"],
    ["37", "{{{randomUsername}}}", "{{{randomUsername}}}"],
    ["38", "{{truncate identity.name 10}}", "{{truncate identity.name 10}}"],
    ["39", null, null],
  ])("%s: usernameTemplate %j → stored %j", async (_case, template, stored) => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { usernameTemplate: template });
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.usernameTemplate).toBe(stored);
  });

  test("40: unknown keys in data and at the top level are ignored", async () => {
    const name = await freshSecret();
    const res = await rawPatch(t, `/api/v1/dynamic-secrets/${name}`, {
      headers: auth(f.admin),
      payload: { ...patchBody(f, { foo: 1 }), bar: 2 },
    });
    expect(res.status).toBe(200);
  });
});

describe("lookup and permission, in Infisical's order (D24)", () => {
  test("42: unknown project → 404", async () => {
    const res = await patchDs(t, f, "x", {}, { projectSlug: "nope" });
    expect(res.body).toEqual(envelope(404, "NotFound", "Project with slug 'nope' not found"));
  });

  test("43: a project of another organization → the same 404", async () => {
    const other = await createFixture(t, "other-org-proj");
    const res = await patchDs(t, f, "x", {}, { projectSlug: other.project.slug });
    expect(res.body).toEqual(envelope(404, "NotFound", "Project with slug 'other-org-proj' not found"));
  });

  test("44: not a project member → 403 (before folder and secret lookups)", async () => {
    const res = await patchDs(t, f, "ghost", {}, { as: out, path: "/nope" });
    expect(res.body).toEqual(envelope(403, "You are not member of this project", "You are not allowed to access this resource"));
  });

  test.each([
    ["46", { environmentSlug: "prod-x" }, 404, "Folder with path '/' in environment 'prod-x' not found"],
    ["47", { path: "/nope" }, 404, "Folder with path '/nope' in environment 'dev' not found"],
    ["48", { path: "/a b" }, 400, "Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed."],
    ["49", { path: "" }, 404, "Folder with path '' in environment 'dev' not found"],
    ["50", { path: "app" }, 404, "Folder with path 'app' in environment 'dev' not found"],
    ["51", { path: "/App" }, 404, "Folder with path '/App' in environment 'dev' not found"],
  ])("%s: folder problems", async (_case, o, status, message) => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, {}, o as object);
    expect(res.body).toEqual(envelope(status, status === 400 ? "BadRequest" : "NotFound", message));
  });

  test("52: unknown name → 404 naming the folder path from the database", async () => {
    const res = await patchDs(t, f, "ghost", {}, { path: "/app/" });
    expect(res.body).toEqual(envelope(404, "NotFound", "Dynamic secret with name 'ghost' in folder '/app' not found"));
  });

  test("53: the URL name is lower-cased", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name.toUpperCase(), {});
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.name).toBe(name);
  });

  test("54: read-only actor → 403 PermissionDenied with its rules as details", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { defaultTTL: "2h" }, { as: view });
    expect(res.body).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to edit-root-credential on dynamic-secrets", { details: [] }),
    );
  });

  test("55: read-only actor on an unknown name → 404 (existence before permission)", async () => {
    const res = await patchDs(t, f, "ghost", {}, { as: view });
    expect(res.status).toBe(404);
  });

  test("56: the new metadata must also be editable", async () => {
    const teamA = await createMember(t, f, "team-a", {
      custom: [[{ subject: DS, action: ["read-root-credential", "edit-root-credential"], conditions: { metadata: { $elemMatch: { key: { $eq: "team" }, value: { $eq: "a" } } } } }]],
    });
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { metadata: [{ key: "team", value: "b" }] }, { as: teamA });
    expect(res.body).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to edit-root-credential on dynamic-secrets", {
        details: [
          {
            action: ["read-root-credential", "edit-root-credential"],
            inverted: false,
            subject: ["dynamic-secrets"],
            conditions: { metadata: { $elemMatch: { key: { $eq: "team" }, value: { $eq: "a" } } } },
          },
        ],
      }),
    );
    const ok = await patchDs(t, f, name, { metadata: [{ key: "team", value: "a" }, { key: "tier", value: "1" }] }, { as: teamA });
    expect(ok.status).toBe(200);
    expect(ok.body.dynamicSecret.metadata).toEqual([
      { key: "team", value: "a" },
      { key: "tier", value: "1" },
    ]);
  });

  test("secretPath and environment conditions use the request's path and environment", async () => {
    const appOnly = await createMember(t, f, "app-only", {
      custom: [[{ subject: DS, action: ["edit-root-credential"], conditions: { environment: "dev", secretPath: { $glob: "/app/**" } } }]],
    });
    const inApp = await freshSecret({ path: "/app" });
    const inRoot = await freshSecret();
    expect((await patchDs(t, f, inApp, {}, { as: appOnly, path: "/app/" })).status).toBe(200);
    expect((await patchDs(t, f, inRoot, {}, { as: appOnly })).status).toBe(403);
  });
});

describe("rename", () => {
  test("57: to an existing name → 400", async () => {
    const a = await freshSecret();
    const b = await freshSecret();
    const res = await patchDs(t, f, a, { newName: b });
    expect(res.body).toEqual(envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder"));
    const row = await t.testDb.db.selectFrom("dynamic_secrets").select(["version"]).where("name", "=", a).executeTakeFirstOrThrow();
    expect(row.version).toBe(1);
  });

  test("58 (D4): to its own name → a no-op rename, 200", async () => {
    const a = await freshSecret();
    const res = await patchDs(t, f, a, { newName: a });
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret).toMatchObject({ name: a, version: 2 });
  });

  test("59: renamed → old name 404, new name 200", async () => {
    const a = await freshSecret();
    const res = await patchDs(t, f, a, { newName: `${a}-renamed` });
    expect(res.body.dynamicSecret.name).toBe(`${a}-renamed`);
    expect((await patchDs(t, f, a, {})).status).toBe(404);
    expect((await patchDs(t, f, `${a}-renamed`, {})).status).toBe(200);
  });

  test("D8: newName is trimmed like a create name", async () => {
    const a = await freshSecret();
    const res = await patchDs(t, f, a, { newName: `  ${a}-trim  ` });
    expect(res.body.dynamicSecret.name).toBe(`${a}-trim`);
  });

  test("the same name in another folder is no conflict", async () => {
    const inApp = await freshSecret({ path: "/app" });
    const inRoot = await freshSecret();
    const res = await patchDs(t, f, inRoot, { newName: inApp });
    expect(res.status).toBe(200);
  });
});
