import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, createIdentity, createMember, type Fixture, SQL_INPUTS, type TestIdentity, TOTP_INPUTS } from "../../support/factories.js";
import { envelope } from "./patch-support.js";

// Create, get, list and delete (auth-and-permissions.md §C.9, order of checks §B.5).

let t: DsTestApp;
let f: Fixture;
let viewer: TestIdentity;
let editOnly: TestIdentity;
let teamA: TestIdentity;
let out: TestIdentity;
const DS = "dynamic-secrets";
const MD_TEAM_A = { metadata: { $elemMatch: { key: { $eq: "team" }, value: { $eq: "a" } } } };

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "crud", { folders: ["dev:/app", "dev:/lst"] });
  viewer = await createMember(t, f, "viewer", { builtIn: ["viewer"] });
  editOnly = await createMember(t, f, "editonly", { custom: [[{ subject: DS, action: ["edit-root-credential"] }]] });
  teamA = await createMember(t, f, "team-a", {
    custom: [[{ subject: DS, action: ["read-root-credential", "edit-root-credential", "create-root-credential", "delete-root-credential"], conditions: MD_TEAM_A }]],
  });
  out = await createIdentity(t, f.orgId, "outsider");
});
afterAll(async () => t?.close());

const createBody = (name: string, extra: Record<string, unknown> = {}) => ({
  projectSlug: f.project.slug,
  environmentSlug: "dev",
  path: "/",
  name,
  provider: { type: "totp", inputs: TOTP_INPUTS },
  defaultTTL: "1h",
  ...extra,
});

const post = (body: unknown, as: TestIdentity = f.admin) =>
  t.app.inject({ method: "POST", url: "/api/v1/dynamic-secrets", headers: auth(as), payload: body as object });
const get = (name: string, query = `projectSlug=${f.project.slug}&environmentSlug=dev&path=/`, as: TestIdentity = f.admin) =>
  t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets/${name}?${query}`, headers: auth(as) });
const list = (query = `projectSlug=${f.project.slug}&environmentSlug=dev&path=/`, as: TestIdentity = f.admin) =>
  t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets?${query}`, headers: auth(as) });
const del = (name: string, body: Record<string, unknown> = {}, as: TestIdentity = f.admin) =>
  t.app.inject({
    method: "DELETE",
    url: `/api/v1/dynamic-secrets/${name}`,
    headers: auth(as),
    payload: { projectSlug: f.project.slug, environmentSlug: "dev", ...body },
  });

const auditOf = (type: string, name?: string) =>
  t.testDb.db
    .selectFrom("audit_logs")
    .selectAll()
    .where("event_type", "=", type)
    .execute()
    .then((rows) => rows.filter((r) => !name || (r.event_metadata as Record<string, unknown>)?.dynamicSecretName === name));

describe("create", () => {
  test("200 with version 1, the validated inputs, metadata; a create-dynamic-secret audit row", async () => {
    const res = await post(
      createBody("c-totp", {
        provider: { type: "totp", inputs: { configType: "manual", secret: "JBSW Y3DP EHPK 3PXP", extra: 1 } },
        maxTTL: "24h",
        metadata: [{ key: " team ", value: " a " }],
        usernameTemplate: "{{randomUsername}}",
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().dynamicSecret).toEqual({
      id: expect.any(String),
      name: "c-totp",
      version: 1,
      type: "totp",
      defaultTTL: "1h",
      maxTTL: "24h",
      folderId: expect.any(String),
      status: null,
      statusDetails: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      projectGatewayId: null,
      gatewayId: null,
      usernameTemplate: "{{randomUsername}}",
      gatewayV2Id: null,
      gatewayPoolId: null,
      metadata: [{ key: "team", value: "a" }],
      inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" },
    });
    const [event] = await auditOf("create-dynamic-secret", "c-totp");
    expect(event!.event_metadata).toEqual({
      dynamicSecretName: "c-totp",
      dynamicSecretType: "totp",
      dynamicSecretId: res.json().dynamicSecret.id,
      defaultTTL: "1h",
      maxTTL: "24h",
      gatewayV2Id: null,
      usernameTemplate: "{{randomUsername}}",
      environment: "dev",
      secretPath: "/",
      projectId: f.project.id,
    });
    expect(await t.testDb.db.selectFrom("project_data_keys").select("project_id").where("project_id", "=", f.project.id).execute()).toHaveLength(1);
  });

  test("a duplicate name in the folder → 400; the same name elsewhere is fine", async () => {
    expect((await post(createBody("c-dup"))).statusCode).toBe(200);
    const dup = await post(createBody("c-dup"));
    expect(dup.json()).toEqual(envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder"));
    expect((await post(createBody("c-dup", { path: "/app" }))).statusCode).toBe(200);
  });

  test.each<[string, Record<string, unknown>, (string | number)[]]>([
    ["name with upper case", { name: "Bad" }, ["name"]],
    ["name too long", { name: "a".repeat(65) }, ["name"]],
    ["TTL too short", { defaultTTL: "30s" }, ["defaultTTL"]],
    ["TTL missing", { defaultTTL: undefined }, ["defaultTTL"]],
    ["unknown provider type", { provider: { type: "nope", inputs: {} } }, ["provider", "type"]],
    ["invalid provider inputs", { provider: { type: "totp", inputs: { configType: "manual", secret: "  " } } }, ["provider", "inputs", "secret"]],
  ])("%s → 422", async (_label, extra, path) => {
    const res = await post(createBody("c-bad", extra));
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toContainEqual(expect.objectContaining({ path }));
  });

  test("D10: default TTL above max TTL → 400", async () => {
    const res = await post(createBody("c-ttl", { defaultTTL: "2d", maxTTL: "1d" }));
    expect(res.json()).toEqual(envelope(400, "BadRequest", "Default TTL cannot be greater than max TTL"));
  });

  test("a failed connection test → 400, nothing stored", async () => {
    const res = await post(createBody("c-down", { provider: { type: "fake-sql", inputs: { ...SQL_INPUTS, host: "down" } } }));
    expect(res.json()).toEqual(envelope(400, "BadRequest", "Failed to connect with provider: connect ECONNREFUSED"));
    expect(await t.testDb.db.selectFrom("dynamic_secrets").select("id").where("name", "=", "c-down").execute()).toEqual([]);
  });

  test("order: project 404 → membership 403 → create permission 403 (before the folder) → folder 404", async () => {
    expect((await post(createBody("c-x", { projectSlug: "nope" }))).json()).toEqual(envelope(404, "NotFound", "Project with slug 'nope' not found"));
    expect((await post(createBody("c-x"), out)).statusCode).toBe(403);
    expect((await post(createBody("c-x", { path: "/missing" }), viewer)).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to create-root-credential on dynamic-secrets", { details: [] }),
    );
    expect((await post(createBody("c-x", { path: "/missing" }))).json()).toEqual(
      envelope(404, "NotFound", "Folder with path '/missing' in environment 'dev' not found"),
    );
  });

  test("the create permission is checked against the request's metadata", async () => {
    expect((await post(createBody("c-md-b", { metadata: [{ key: "team", value: "b" }] }), teamA)).statusCode).toBe(403);
    expect((await post(createBody("c-md-a", { metadata: [{ key: "team", value: "a" }] }), teamA)).statusCode).toBe(200);
  });
});

describe("get", () => {
  test("200 with redacted inputs and metadata; a get-dynamic-secret audit row", async () => {
    await createDynamicSecret(t, f, "g-sql", {
      provider: { type: "fake-sql", inputs: { ...SQL_INPUTS, clientAuth: { clientId: "id", clientSecret: "never-shown" } } },
      metadata: [{ key: "team", value: "a" }],
    });
    const res = await get("g-sql");
    expect(res.statusCode).toBe(200);
    expect(res.json().dynamicSecret).toMatchObject({
      name: "g-sql",
      version: 1,
      metadata: [{ key: "team", value: "a" }],
      inputs: { ...SQL_INPUTS, clientAuth: { clientId: "id" } },
    });
    expect(res.body).not.toContain("never-shown");
    expect(res.headers.etag).toBe('"1"');
    expect(await auditOf("get-dynamic-secret", "g-sql")).toHaveLength(1);
  });

  test("needs both read and edit root credential", async () => {
    await createDynamicSecret(t, f, "g-perm");
    expect((await get("g-perm", undefined, viewer)).json()).toEqual(
      envelope(403, "PermissionDenied", "You are not allowed to edit-root-credential on dynamic-secrets", { details: [] }),
    );
    expect((await get("g-perm", undefined, editOnly)).json()).toMatchObject({
      statusCode: 403,
      message: "You are not allowed to read-root-credential on dynamic-secrets",
    });
  });

  test("404 keeps Infisical's message (missing quote); the name is not lower-cased", async () => {
    await createDynamicSecret(t, f, "g-case");
    expect((await get("ghost")).json()).toEqual(envelope(404, "NotFound", "Dynamic secret with name 'ghost in folder '/' not found"));
    expect((await get("G-CASE")).statusCode).toBe(404);
  });

  test("query validation → 422", async () => {
    const res = await get("x", "environmentSlug=dev");
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toContainEqual(expect.objectContaining({ path: ["projectSlug"] }));
  });
});

describe("list", () => {
  test("items without inputs, with metadata, filtered per item by permission; a list-dynamic-secrets audit row", async () => {
    await createDynamicSecret(t, f, "l-a", { path: "/lst", metadata: [{ key: "team", value: "a" }] });
    await createDynamicSecret(t, f, "l-b", { path: "/lst", metadata: [{ key: "team", value: "b" }] });
    const query = `projectSlug=${f.project.slug}&environmentSlug=dev&path=/lst/`;
    const all = await list(query);
    expect(all.statusCode).toBe(200);
    const items = all.json().dynamicSecrets as Record<string, unknown>[];
    expect(items.map((i) => i.name)).toEqual(["l-a", "l-b"]);
    for (const item of items) expect(item).not.toHaveProperty("inputs");
    expect(items[0]!.metadata).toEqual([{ key: "team", value: "a" }]);
    const events = await auditOf("list-dynamic-secrets");
    expect(events.at(-1)!.event_metadata).toEqual({ environment: "dev", secretPath: "/lst", projectId: f.project.id });
    // A role whose only rule needs metadata cannot list (checked without metadata, before the folder).
    expect((await list(query, teamA)).json()).toMatchObject({ statusCode: 403, error: "PermissionDenied" });
  });

  test("per-item filtering keeps only the readable secrets", async () => {
    const notTeamA = await createMember(t, f, "dev-only", {
      custom: [[{ subject: DS, action: ["read-root-credential"] }, { subject: DS, action: ["read-root-credential"], inverted: true, conditions: MD_TEAM_A }]],
    });
    const res = await list(`projectSlug=${f.project.slug}&environmentSlug=dev&path=/lst`, notTeamA);
    expect(res.json().dynamicSecrets.map((i: { name: string }) => i.name)).toEqual(["l-b"]);
  });

  test("unknown folder → 404 after the permission check", async () => {
    const res = await list(`projectSlug=${f.project.slug}&environmentSlug=dev&path=/missing`);
    expect(res.json()).toEqual(envelope(404, "NotFound", "Folder with path '/missing' in environment 'dev' not found"));
  });
});

describe("delete", () => {
  test("JSON body; answers the deleted secret; rows and metadata gone; a delete-dynamic-secret audit row", async () => {
    const created = await createDynamicSecret(t, f, "d-one", { metadata: [{ key: "team", value: "a" }] });
    const res = await del("D-ONE", { path: "/", isForced: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().dynamicSecret).toMatchObject({ id: created.id, name: "d-one", metadata: [{ key: "team", value: "a" }] });
    expect(res.json().dynamicSecret).not.toHaveProperty("inputs");
    expect((await get("d-one")).statusCode).toBe(404);
    expect(await t.testDb.db.selectFrom("resource_metadata").select("id").where("dynamic_secret_id", "=", created.id).execute()).toEqual([]);
    const [event] = await auditOf("delete-dynamic-secret", "d-one");
    expect(event!.event_metadata).toEqual({
      dynamicSecretName: "d-one",
      dynamicSecretType: "totp",
      dynamicSecretId: created.id,
      environment: "dev",
      secretPath: "/",
      projectId: f.project.id,
    });
  });

  test("needs delete-root-credential; unknown name → 404; body validated", async () => {
    await createDynamicSecret(t, f, "d-perm");
    expect((await del("d-perm", {}, viewer)).json()).toMatchObject({
      statusCode: 403,
      message: "You are not allowed to delete-root-credential on dynamic-secrets",
    });
    expect((await del("ghost")).json()).toEqual(envelope(404, "NotFound", "Dynamic secret with name 'ghost' in folder '/' not found"));
    const bad = await t.app.inject({ method: "DELETE", url: "/api/v1/dynamic-secrets/d-perm", headers: auth(f.admin), payload: { projectSlug: f.project.slug } });
    expect(bad.statusCode).toBe(422);
  });
});
