import jwt from "jsonwebtoken";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { userAgentTypeOf } from "../../../src/http/request-context.js";
import * as memberships from "../../../src/projects/membership.repository.js";
import type { NewMembershipRole } from "../../../src/projects/membership.repository.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, createIdentity, createMember, type Fixture, SQL_INPUTS, type TestIdentity } from "../../support/factories.js";
import { envelope, patchDs, rawPatch } from "./patch-support.js";

// Conformance audit: the cases of patch-endpoint.md §7 and auth-and-permissions.md §F that no
// other file drove black-box through PATCH /api/v1/dynamic-secrets/{name}, on the §F.0 fixture
// (TOTP secrets in dev:/, dev:/app, dev:/app/db, dev:/other, staging:/app, prod:/app), plus the
// 200 body shapes of create/GET/list and the audit metadata of §D.2.

let t: DsTestApp;
let f: Fixture;
let roleCount = 0;

type Rule = { subject: string; action: string[]; inverted?: boolean; conditions?: Record<string, unknown> };

/** §F.0 secrets: name → where it lives. */
const SECRETS = {
  "totp-root": { env: "dev", path: "/", metadata: [] },
  "totp-app": { env: "dev", path: "/app", metadata: [{ key: "team", value: "a" }] },
  "totp-app-b": { env: "dev", path: "/app", metadata: [{ key: "team", value: "b" }] },
  "totp-nometa": { env: "dev", path: "/app", metadata: [] },
  "totp-db": { env: "dev", path: "/app/db", metadata: [] },
  "totp-other": { env: "dev", path: "/other", metadata: [] },
  "totp-stg": { env: "staging", path: "/app", metadata: [] },
  "totp-prod": { env: "prod", path: "/app", metadata: [] },
} as const;
type SecretName = keyof typeof SECRETS;

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "ds-proj", { folders: ["dev:/app", "dev:/app/db", "dev:/other", "staging:/app", "prod:/app"] });
  for (const [name, s] of Object.entries(SECRETS)) {
    await createDynamicSecret(t, f, name, { environmentSlug: s.env, path: s.path, metadata: [...s.metadata], maxTTL: null });
  }
});
afterAll(async () => t?.close());

/** "PATCH X" of §F.0: data {defaultTTL: "2h"} (or `data`) at X's environment and path. */
function patchF(name: SecretName | string, as: TestIdentity, data: unknown = { defaultTTL: "2h" }, urlName = name) {
  const s = SECRETS[name as SecretName] ?? SECRETS["totp-root"];
  return patchDs(t, f, urlName, data, { as, environmentSlug: s.env, path: s.path });
}

const PD_EDIT = "You are not allowed to edit-root-credential on dynamic-secrets";
const pdEdit = (details: unknown) => envelope(403, "PermissionDenied", PD_EDIT, { details });

const withCustom = (name: string, ...roles: Rule[][]) => createMember(t, f, `${name}-${(roleCount += 1)}`, { custom: roles });
const withBuiltIn = (name: string, ...builtIn: string[]) => createMember(t, f, `${name}-${(roleCount += 1)}`, { builtIn });

describe("§7 2–7 and §F.1: token errors on the PATCH route", () => {
  const url = "/api/v1/dynamic-secrets/totp-root";
  const body = { projectSlug: "ds-proj", environmentSlug: "dev", path: "/", data: { defaultTTL: "2h" } };
  const claims = () => jwt.decode(f.admin.token) as Record<string, unknown>;

  test.each([
    ["§7 1 / F.1 #1 no header", {}, 401, "UnauthorizedError", "Token missing"],
    ["§7 2 / F.1 #4 not a JWT", { authorization: "Bearer not-a-jwt" }, 403, "TokenError", "The provided access token is malformed. Please use a valid token or generate a new one and try again."],
    ["F.1 #3 empty Bearer", { authorization: "Bearer" }, 403, "TokenError", "jwt must be provided"],
    ["§7 5, 6 / F.1 #8 (D21: no service tokens)", { authorization: "Bearer st.00000000-0000-0000-0000-000000000000.abc" }, 404, "NotFound", "Service token with ID '00000000-0000-0000-0000-000000000000' not found"],
  ])("%s", async (_label, headers, status, error, message) => {
    const res = await rawPatch(t, url, { headers: headers as Record<string, string>, payload: body });
    expect(res).toMatchObject({ status, body: envelope(status, error, message) });
  });

  test("§7 3 / F.1 #9: an expired JWT → 403 TokenError", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ ...claims(), iat: now - 100, exp: now - 10 }, t.config.authSecret);
    const res = await rawPatch(t, url, { headers: { authorization: `Bearer ${expired}` }, payload: body });
    expect(res.body).toEqual(envelope(403, "TokenError", "Your token has expired. Please re-authenticate."));
  });

  test("§7 4 / F.1 #5: signed with another secret → 403 invalid signature", async () => {
    const forged = jwt.sign(claims(), "another-secret-of-sufficient-length-0123456789");
    const res = await rawPatch(t, url, { headers: { authorization: `Bearer ${forged}` }, payload: body });
    expect(res.body).toEqual(envelope(403, "TokenError", "invalid signature"));
  });

  test("§7 7 / F.1 #7: x-api-key → 400 even with a valid token; nothing changes", async () => {
    const res = await rawPatch(t, url, { headers: { ...auth(f.admin), "x-api-key": "anything" }, payload: body });
    expect(res.body).toEqual(
      envelope(400, "BadRequest", "API key authentication is not supported anymore. Please switch to identity authentication."),
    );
  });

  test("§7 9 / D14: without a token every transport problem is still the 401", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ "content-type": "application/json" }, '{"projectSlug":'],
      [{ "content-type": "application/json" }, ""],
      [{ "content-type": "application/xml" }, "<a/>"],
      [{ "content-type": "application/json" }, JSON.stringify({ pad: "x".repeat(1_100_000) })],
      [{ "content-type": "application/json" }, '{"__proto__":{"x":1}}'],
    ];
    for (const [headers, payload] of cases) {
      const res = await t.app.inject({ method: "PATCH", url, headers, payload });
      expect(res.json(), payload.slice(0, 20)).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
    }
  });

  test("F.1 #16: `Token <jwt>` loses its first character → invalid token", async () => {
    const res = await rawPatch(t, url, { headers: { authorization: `Token ${f.admin.token}` }, payload: body });
    expect(res.body).toEqual(envelope(403, "TokenError", "invalid token"));
  });
});

test("§F.3 #21: an org-admin identity that did not create the project is no member (403, no details)", async () => {
  const orgAdmin = await createIdentity(t, f.orgId, `org-admin-${(roleCount += 1)}`, "admin");
  expect((await patchF("totp-root", orgAdmin)).body).toEqual(
    envelope(403, "You are not member of this project", "You are not allowed to access this resource"),
  );
});

describe("§F.4 built-in roles, through PATCH", () => {
  test.each([["viewer"], ["no-access"]])("#24/#25 %s → PD(edit), details []", async (role) => {
    const who = await withBuiltIn(role, role);
    expect((await patchF("totp-root", who)).body).toEqual(pdEdit([]));
  });

  test("#26 member → 200 with inputs; #27 the creator (admin) → 200; #32 viewer + member → 200", async () => {
    const member = await withBuiltIn("member", "member");
    const res = await patchF("totp-root", member);
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.defaultTTL).toBe("2h");
    expect(res.body.dynamicSecret.inputs).toEqual(expect.any(Object));
    expect((await patchF("totp-root", f.admin)).status).toBe(200);
    expect((await patchF("totp-root", await withBuiltIn("both", "viewer", "member"))).status).toBe(200);
  });

  test("#28/#29/#29b viewer: existence and path errors come before permission", async () => {
    const viewer = await withBuiltIn("viewer", "viewer");
    expect((await patchDs(t, f, "nope", {}, { as: viewer, path: "/app" })).body).toEqual(
      envelope(404, "NotFound", "Dynamic secret with name 'nope' in folder '/app' not found"),
    );
    expect((await patchDs(t, f, "totp-root", {}, { as: viewer, path: "/missing" })).body).toEqual(
      envelope(404, "NotFound", "Folder with path '/missing' in environment 'dev' not found"),
    );
    expect((await patchDs(t, f, "totp-root", {}, { as: viewer, path: "/bad path!" })).body).toEqual(
      envelope(400, "BadRequest", "Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed."),
    );
  });

  test("#30 member: the URL name is lower-cased; #31 rename onto a sibling → 400", async () => {
    const member = await withBuiltIn("member", "member");
    expect((await patchF("totp-root", member, { defaultTTL: "2h" }, "TOTP-ROOT")).status).toBe(200);
    expect((await patchF("totp-app", member, { newName: "totp-nometa" })).body).toEqual(
      envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder"),
    );
  });
});

describe("§2 step 9: one more trailing slash is removed, the rest must be a folder's exact path", () => {
  test.each([
    ["/app//", 200, ""],
    [" /app/ ", 200, ""],
    ["//", 200, ""],
    ["//app", 404, "Folder with path '//app' in environment 'dev' not found"],
    ["/app//db", 404, "Folder with path '/app//db' in environment 'dev' not found"],
    ["/app///", 404, "Folder with path '/app//' in environment 'dev' not found"],
    ["/nope//", 404, "Folder with path '/nope/' in environment 'dev' not found"],
    ["//a b", 400, "Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed."],
  ])("path %j → %i", async (path, status, message) => {
    const name = path.includes("app") && !path.includes("db") ? "totp-nometa" : "totp-root";
    const res = await patchDs(t, f, name, {}, { path });
    expect(res.status).toBe(status);
    if (status !== 200) expect(res.body).toEqual(envelope(status, status === 400 ? "BadRequest" : "NotFound", message));
  });

  test("GET, list and DELETE resolve folders the same way", async () => {
    const get = await t.app.inject({ method: "GET", url: "/api/v1/dynamic-secrets/totp-root?projectSlug=ds-proj&environmentSlug=dev&path=//", headers: auth(f.admin) });
    expect(get.statusCode).toBe(200);
    const list = await t.app.inject({ method: "GET", url: "/api/v1/dynamic-secrets?projectSlug=ds-proj&environmentSlug=dev&path=//app", headers: auth(f.admin) });
    expect(list.json()).toEqual(envelope(404, "NotFound", "Folder with path '//app' in environment 'dev' not found"));
  });
});

describe("§F.5–F.6 environment and secretPath conditions, through PATCH", () => {
  const EDIT = ["edit-root-credential"];

  test("#33/#34 $eq dev: details name the rule", async () => {
    const rule = { subject: "dynamic-secrets", action: ["read-root-credential", "edit-root-credential"], conditions: { environment: { $eq: "dev" } } };
    const who = await withCustom("eq", [rule]);
    expect((await patchF("totp-root", who)).status).toBe(200);
    expect((await patchF("totp-prod", who)).body).toEqual(pdEdit([{ ...rule, inverted: false, subject: ["dynamic-secrets"] }]));
  });

  test("#35 plain string condition is echoed as stored", async () => {
    const who = await withCustom("plain", [{ subject: "dynamic-secrets", action: EDIT, conditions: { environment: "dev" } }]);
    expect((await patchF("totp-prod", who)).body).toEqual(
      pdEdit([{ action: EDIT, inverted: false, subject: ["dynamic-secrets"], conditions: { environment: "dev" } }]),
    );
  });

  test.each<[string, Record<string, unknown>, SecretName[], SecretName[]]>([
    ["#36 $in", { environment: { $in: ["dev", "staging"] } }, ["totp-stg"], ["totp-prod"]],
    ["#37 $ne", { environment: { $ne: "prod" } }, ["totp-root"], ["totp-prod"]],
    ["#38 $glob", { environment: { $glob: "d*" } }, ["totp-root"], ["totp-stg"]],
    ["#39 /app/**", { secretPath: { $glob: "/app/**" } }, ["totp-app", "totp-db"], ["totp-root", "totp-other"]],
    ["#40 /app/*", { secretPath: { $glob: "/app/*" } }, ["totp-db"], ["totp-app"]],
    ["#41 $eq /app", { secretPath: { $eq: "/app" } }, ["totp-app"], ["totp-db"]],
    ["#42 AND in one rule", { environment: "dev", secretPath: { $glob: "/app/**" } }, ["totp-app"], ["totp-prod"]],
  ])("%s", async (_label, conditions, allowed, denied) => {
    const who = await withCustom("cond", [{ subject: "dynamic-secrets", action: EDIT, conditions }]);
    for (const name of allowed) expect((await patchF(name, who)).status, name).toBe(200);
    for (const name of denied) expect((await patchF(name, who)).body.message, name).toBe(PD_EDIT);
  });

  test("#43 OR across rules", async () => {
    const who = await withCustom("or", [
      { subject: "dynamic-secrets", action: EDIT, conditions: { environment: "dev", secretPath: "/other" } },
      { subject: "dynamic-secrets", action: EDIT, conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } },
    ]);
    expect((await patchF("totp-other", who)).status).toBe(200);
    expect((await patchF("totp-prod", who)).status).toBe(200);
    expect((await patchF("totp-app", who)).status).toBe(403);
  });
});

describe("§F.7 metadata conditions, through PATCH", () => {
  const teamA = { metadata: { $elemMatch: { key: { $eq: "team" }, value: { $eq: "a" } } } };
  const rule = { subject: "dynamic-secrets", action: ["read-root-credential", "edit-root-credential"], conditions: teamA };
  let who: TestIdentity;
  beforeAll(async () => {
    who = await withCustom("team-a", [rule]);
  });

  const adminMetadata = async (name: SecretName) =>
    (await t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets/${name}?projectSlug=ds-proj&environmentSlug=dev&path=/app`, headers: auth(f.admin) })).json()
      .dynamicSecret.metadata;

  test("#45 team=a → 200, inputs non-null; #46 team=b and #47 none → PD(edit)", async () => {
    const ok = await patchF("totp-app", who);
    expect(ok.status).toBe(200);
    expect(ok.body.dynamicSecret.inputs).toEqual(expect.any(Object));
    expect((await patchF("totp-app-b", who)).body).toEqual(pdEdit([{ ...rule, inverted: false, subject: ["dynamic-secrets"] }]));
    expect((await patchF("totp-nometa", who)).body.message).toBe(PD_EDIT);
  });

  test("#48 new metadata team=b and #49 [] → PD(edit), nothing changes; #50 a superset → 200, replaced wholesale", async () => {
    expect((await patchF("totp-app", who, { metadata: [{ key: "team", value: "b" }] })).body.message).toBe(PD_EDIT);
    expect((await patchF("totp-app", who, { metadata: [] })).body.message).toBe(PD_EDIT);
    expect(await adminMetadata("totp-app")).toEqual([{ key: "team", value: "a" }]);
    const both = [{ key: "team", value: "a" }, { key: "tier", value: "1" }];
    expect((await patchF("totp-app", who, { metadata: both })).status).toBe(200);
    expect(await adminMetadata("totp-app")).toEqual(both);
    expect((await patchF("totp-app", f.admin, { metadata: [{ key: "team", value: "a" }] })).status).toBe(200);
  });

  test("#51 key-only $elemMatch matches team=b", async () => {
    const keyOnly = await withCustom("key-only", [
      { subject: "dynamic-secrets", action: ["edit-root-credential"], conditions: { metadata: { $elemMatch: { key: { $eq: "team" } } } } },
    ]);
    expect((await patchF("totp-app-b", keyOnly)).status).toBe(200);
  });
});

describe("§F.8 actions, inverted rules, temporary roles, through PATCH", () => {
  test("#52 edit only → 200, inputs null; #53 read only and #54 other actions → PD(edit)", async () => {
    const edit = await withCustom("edit", [{ subject: "dynamic-secrets", action: ["edit-root-credential"] }]);
    const res = await patchF("totp-root", edit);
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.inputs).toBeNull();
    expect((await patchF("totp-root", await withCustom("read", [{ subject: "dynamic-secrets", action: ["read-root-credential"] }]))).body).toEqual(
      pdEdit([]),
    );
    const others = await withCustom("others", [
      { subject: "dynamic-secrets", action: ["create-root-credential", "delete-root-credential", "lease"] },
    ]);
    expect((await patchF("totp-root", others)).body).toEqual(pdEdit([]));
  });

  test("#55 allow all + inverted prod: 200 / PD(edit) with the inverted rule first", async () => {
    const who = await withCustom("inverted", [
      { subject: "dynamic-secrets", action: ["read-root-credential", "edit-root-credential"] },
      { subject: "dynamic-secrets", action: ["edit-root-credential"], inverted: true, conditions: { environment: "prod" } },
    ]);
    expect((await patchF("totp-root", who)).status).toBe(200);
    expect((await patchF("totp-prod", who)).body).toEqual(
      pdEdit([
        { action: ["edit-root-credential"], inverted: true, subject: ["dynamic-secrets"], conditions: { environment: "prod" } },
        { action: ["read-root-credential", "edit-root-credential"], inverted: false, subject: ["dynamic-secrets"] },
      ]),
    );
  });

  test("B.6: a built-in role's rule in details has the plain string subject, a custom role's an array", async () => {
    const identity = await createMember(t, f, `mixed-${(roleCount += 1)}`, {
      builtIn: ["member"],
      custom: [[{ subject: "dynamic-secrets", action: ["edit-root-credential"], inverted: true, conditions: { environment: "prod" } }]],
    });
    const res = await patchF("totp-prod", identity);
    expect(res.body).toEqual(pdEdit(expect.any(Array)));
    expect(res.body.details).toHaveLength(2);
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { action: ["edit-root-credential"], inverted: true, subject: ["dynamic-secrets"], conditions: { environment: "prod" } },
        {
          action: ["read-root-credential", "create-root-credential", "edit-root-credential", "delete-root-credential", "lease"],
          inverted: false,
          subject: "dynamic-secrets",
        },
      ]),
    );
  });

  test.each([
    ["#56 expired", "1h", 403],
    ["#57 current", "3h", 200],
  ])("%s temporary member (started 2h ago, %s) on a permanent no-access", async (_label, range, status) => {
    const identity = await createIdentity(t, f.orgId, `temp-${(roleCount += 1)}`);
    const start = new Date(Date.now() - 2 * 3600_000);
    const hours = Number.parseInt(range, 10);
    const roles: NewMembershipRole[] = [
      { role: "no-access", customRoleId: null, isTemporary: false, temporaryMode: null, temporaryRange: null, temporaryAccessStartTime: null, temporaryAccessEndTime: null },
      {
        role: "member",
        customRoleId: null,
        isTemporary: true,
        temporaryMode: "relative",
        temporaryRange: range,
        temporaryAccessStartTime: start,
        temporaryAccessEndTime: new Date(start.getTime() + hours * 3600_000),
      },
    ];
    await t.testDb.db.transaction().execute((trx) => memberships.insertMembership(trx, f.project.id, identity.id, roles));
    expect((await patchF("totp-root", identity)).status).toBe(status);
  });
});

describe("B.5 order: the rename conflict comes before any provider work", () => {
  test("a taken newName with invalid inputs → 400 conflict, not 422", async () => {
    await createDynamicSecret(t, f, "order-a", { provider: { type: "fake-sql", inputs: SQL_INPUTS } });
    await createDynamicSecret(t, f, "order-b", { provider: { type: "fake-sql", inputs: SQL_INPUTS } });
    const conflict = envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder");
    expect((await patchDs(t, f, "order-a", { newName: "order-b", inputs: { port: "abc" } })).body).toEqual(conflict);
    const calls = t.connectionCalls.length;
    expect((await patchDs(t, f, "order-a", { newName: "order-b", inputs: { host: "down" } })).body).toEqual(conflict);
    expect(t.connectionCalls.length).toBe(calls);
  });

  test("C.9 create: a taken name with invalid inputs → 400 conflict, no connection test", async () => {
    const calls = t.connectionCalls.length;
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/dynamic-secrets",
      headers: auth(f.admin),
      payload: { projectSlug: "ds-proj", environmentSlug: "dev", path: "/", name: "order-a", defaultTTL: "1h", provider: { type: "fake-sql", inputs: { ...SQL_INPUTS, host: "down" } } },
    });
    expect(res.json()).toEqual(envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder"));
    expect(t.connectionCalls.length).toBe(calls);
  });
});

describe("D6 updatedFields", () => {
  test("nested inputs as dotted paths, keys set to null, metadata and the template; sorted; never a value", async () => {
    await createDynamicSecret(t, f, "diff-ds", {
      provider: { type: "fake-sql", inputs: { ...SQL_INPUTS, options: { ssl: true, mode: "x" } } },
      metadata: [{ key: "team", value: "a" }],
    });
    const res = await patchDs(t, f, "diff-ds", {
      inputs: { options: { ssl: false, mode: "x" }, password: "s3cret-value", ca: "pem" },
      usernameTemplate: "{{randomUsername}}",
      metadata: [{ key: "team", value: "b" }],
      maxTTL: null,
    });
    expect(res.status).toBe(200);
    const [row] = await t.testDb.db
      .selectFrom("audit_logs")
      .select("event_metadata")
      .where("event_type", "=", "update-dynamic-secret")
      .where(sql<boolean>`event_metadata->>'dynamicSecretName' = 'diff-ds'`)
      .execute();
    expect((row!.event_metadata as { updatedFields: string[] }).updatedFields).toEqual([
      "ca",
      "maxTTL",
      "metadata",
      "options.ssl",
      "password",
      "usernameTemplate",
    ]);
    expect(JSON.stringify(row)).not.toContain("s3cret-value");
  });
});

describe("200 bodies and audit metadata of create, GET, list, DELETE (§4.1, C.9, D.2)", () => {
  const KEYS = [
    "id", "name", "version", "type", "defaultTTL", "maxTTL", "folderId", "status", "statusDetails", "createdAt", "updatedAt",
    "projectGatewayId", "gatewayId", "usernameTemplate", "gatewayV2Id", "gatewayPoolId",
  ];
  const auditOf = async (type: string) =>
    (await t.testDb.db.selectFrom("audit_logs").selectAll().where("event_type", "=", type).orderBy("created_at", "desc").limit(1).executeTakeFirstOrThrow());

  test("create → contract keys + metadata + inputs; create-dynamic-secret metadata", async () => {
    const created = await createDynamicSecret(t, f, "shape-ds", { path: "/app", metadata: [{ key: "k", value: "v" }], usernameTemplate: "{{randomUsername}}" });
    expect(Object.keys(created)).toEqual([...KEYS, "metadata", "inputs"]);
    expect(created).toMatchObject({ version: 1, status: null, statusDetails: null, maxTTL: "24h", inputs: { configType: "manual" } });
    expect((await auditOf("create-dynamic-secret")).event_metadata).toEqual({
      dynamicSecretName: "shape-ds",
      dynamicSecretType: "totp",
      dynamicSecretId: created.id,
      defaultTTL: "1h",
      maxTTL: "24h",
      gatewayV2Id: null,
      usernameTemplate: "{{randomUsername}}",
      environment: "dev",
      secretPath: "/app",
      projectId: f.project.id,
    });
  });

  test("GET → contract keys + metadata + inputs; list → contract keys + metadata; their audit metadata", async () => {
    const query = "projectSlug=ds-proj&environmentSlug=dev&path=/app/";
    const got = await t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets/totp-nometa?${query}`, headers: auth(f.admin) });
    expect(got.statusCode).toBe(200);
    const ds = got.json().dynamicSecret;
    expect(Object.keys(ds)).toEqual([...KEYS, "metadata", "inputs"]);
    expect((await auditOf("get-dynamic-secret")).event_metadata).toEqual({
      dynamicSecretName: "totp-nometa",
      dynamicSecretType: "totp",
      dynamicSecretId: ds.id,
      environment: "dev",
      secretPath: "/app",
      projectId: f.project.id,
    });
    const list = await t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets?${query}`, headers: auth(f.admin) });
    expect(list.statusCode).toBe(200);
    const items = list.json().dynamicSecrets as Record<string, unknown>[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(Object.keys(item)).toEqual([...KEYS, "metadata"]);
    expect((await auditOf("list-dynamic-secrets")).event_metadata).toEqual({ environment: "dev", secretPath: "/app", projectId: f.project.id });
  });

  test("DELETE → the deleted secret; delete-dynamic-secret metadata", async () => {
    const created = await createDynamicSecret(t, f, "gone-ds", { path: "/other" });
    const res = await t.app.inject({
      method: "DELETE",
      url: "/api/v1/dynamic-secrets/gone-ds",
      headers: auth(f.admin),
      payload: { projectSlug: "ds-proj", environmentSlug: "dev", path: "/other" },
    });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().dynamicSecret)).toEqual(expect.arrayContaining(KEYS));
    expect((await auditOf("delete-dynamic-secret")).event_metadata).toEqual({
      dynamicSecretName: "gone-ds",
      dynamicSecretType: "totp",
      dynamicSecretId: created.id,
      environment: "dev",
      secretPath: "/other",
      projectId: f.project.id,
    });
  });
});

describe("§4.2 envelope key order, as serialized", () => {
  const keysOf = (payload: string) => Object.keys(JSON.parse(payload));
  const send = (name: string, as: TestIdentity | undefined, body: unknown) =>
    t.app.inject({ method: "PATCH", url: `/api/v1/dynamic-secrets/${name}`, headers: as ? auth(as) : {}, payload: body as object });
  const base = { projectSlug: "ds-proj", environmentSlug: "dev", path: "/" };

  test("401/404/422/400: reqId, statusCode, message, error; 403: details before error", async () => {
    const plain = ["reqId", "statusCode", "message", "error"];
    expect(keysOf((await send("totp-root", undefined, { ...base, data: {} })).payload)).toEqual(plain);
    expect(keysOf((await send("ghost", f.admin, { ...base, data: {} })).payload)).toEqual(plain);
    expect(keysOf((await send("totp-root", f.admin, { ...base, data: { defaultTTL: "1s" } })).payload)).toEqual(plain);
    expect(keysOf((await send("totp-root", f.admin, { ...base, path: "/a b", data: {} })).payload)).toEqual(plain);
    const viewer = await withBuiltIn("viewer", "viewer");
    expect(keysOf((await send("totp-root", viewer, { ...base, data: {} })).payload)).toEqual(["reqId", "statusCode", "message", "details", "error"]);
    const scoped = await withCustom("scoped", [{ subject: "dynamic-secrets", action: ["edit-root-credential"], conditions: { environment: "prod" } }]);
    const denied = JSON.parse((await send("totp-root", scoped, { ...base, data: {} })).payload);
    expect(Object.keys(denied.details[0])).toEqual(["action", "inverted", "subject", "conditions"]);
    const outsider = await createIdentity(t, f.orgId, `out-${(roleCount += 1)}`);
    expect(keysOf((await send("totp-root", outsider, { ...base, data: {} })).payload)).toEqual(plain);
  });
});

test("§4.2/D15: 200s and envelopes are application/json; charset=utf-8, and x-request-id is the envelope's reqId", async () => {
  const ok = await t.app.inject({
    method: "PATCH",
    url: "/api/v1/dynamic-secrets/totp-root",
    headers: auth(f.admin),
    payload: { projectSlug: "ds-proj", environmentSlug: "dev", data: {} },
  });
  expect(ok.statusCode).toBe(200);
  expect(ok.headers["content-type"]).toBe("application/json; charset=utf-8");
  const missing = await t.app.inject({
    method: "PATCH",
    url: "/api/v1/dynamic-secrets/ghost",
    headers: auth(f.admin),
    payload: { projectSlug: "ds-proj", environmentSlug: "dev", data: {} },
  });
  expect(missing.headers["content-type"]).toBe("application/json; charset=utf-8");
  expect(missing.headers["x-request-id"]).toBe(missing.json().reqId);
});

test("§7 81 (D16): the 201st PATCH within a minute from one client → 429, with the default limits (validation failures count)", async () => {
  const limited = await buildDsTestApp({ env: { RATE_LIMIT_ENABLED: "true" }, shared: t });
  try {
    const send = () =>
      limited.app.inject({
        method: "PATCH",
        url: "/api/v1/dynamic-secrets/totp-root",
        headers: { ...auth(f.admin), "x-forwarded-for": "198.51.100.81" },
        payload: { projectSlug: "ds-proj", environmentSlug: "dev", data: { defaultTTL: "1s" } },
      });
    for (let i = 0; i < 200; i += 1) expect((await send()).statusCode).toBe(422);
    const res = await send();
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual(envelope(429, "RateLimitExceeded", expect.stringMatching(/^Rate limit exceeded\. Please try again in \d+ seconds$/)));
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
  } finally {
    await limited.close();
  }
});

describe("§5 userAgentType, Infisical's rules in its order", () => {
  test.each([
    ["cli", "cli"],
    ["cli/0.1", "other"],
    ["k8-operator", "k8-operator"],
    ["k8-operator/v0.9", "k8-operator"],
    ["my-k8-operator", "other"],
    ["terraform", "terraform"],
    ["terraform-provider-infisical/1.0", "other"],
    ["Mozilla/5.0 (X11)", "web"],
    ["mozilla terraform", "web"],
    ["InfisicalNodeSDK/4.0", "InfisicalNodeSDK"],
    ["infisicalnodesdk", "other"],
    ["python InfisicalPythonSDK", "InfisicalPythonSDK"],
    ["", "other"],
    ["node", "other"],
  ])("%j → %s", (userAgent, expected) => {
    expect(userAgentTypeOf(userAgent)).toBe(expected);
  });

  test("the PATCH audit row records the caller's user agent and its type", async () => {
    const res = await t.app.inject({
      method: "PATCH",
      url: "/api/v1/dynamic-secrets/totp-other",
      headers: { ...auth(f.admin), "user-agent": "k8-operator/v1.2" },
      payload: { projectSlug: "ds-proj", environmentSlug: "dev", path: "/other", data: { defaultTTL: "3h" } },
    });
    expect(res.statusCode).toBe(200);
    const row = await t.testDb.db
      .selectFrom("audit_logs")
      .select(["user_agent", "user_agent_type"])
      .where("event_type", "=", "update-dynamic-secret")
      .where(sql<boolean>`event_metadata->>'dynamicSecretName' = 'totp-other'`)
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ user_agent: "k8-operator/v1.2", user_agent_type: "k8-operator" });
  });
});

test("§D.3: the listing defaults to 20 entries, newest first, updatedAt echoing createdAt", async () => {
  const res = await t.app.inject({ method: "GET", url: `/api/v1/organization/audit-logs?projectId=${f.project.id}`, headers: auth(f.admin) });
  expect(res.statusCode).toBe(200);
  const logs = res.json().auditLogs as { createdAt: string; updatedAt: string }[];
  expect(logs).toHaveLength(20);
  const times = logs.map((l) => Date.parse(l.createdAt));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  for (const log of logs) expect(log.updatedAt).toBe(log.createdAt);
});

test("§D.3: environment/secretPath narrow only with a projectId and an event filter that is empty or names a secret event", async () => {
  type Log = { event: { type: string; metadata: Record<string, unknown> } };
  const logs = async (query: string) => {
    const res = await t.app.inject({ method: "GET", url: `/api/v1/organization/audit-logs?limit=1000&${query}`, headers: auth(f.admin) });
    expect(res.statusCode).toBe(200);
    return res.json().auditLogs as Log[];
  };
  const envs = (list: Log[]) => [...new Set(list.map((l) => l.event.metadata.environment))].sort();
  const p = `projectId=${f.project.id}`;

  expect(envs(await logs(`${p}&environment=prod`))).toEqual(["prod"]);
  expect(envs(await logs(`${p}&environment=prod&eventType=update-dynamic-secret,get-secret`))).toEqual(["prod"]);
  const onlyApp = await logs(`${p}&environment=dev&secretPath=/app`);
  expect(onlyApp.length).toBeGreaterThan(0);
  for (const l of onlyApp) expect(l.event.metadata).toMatchObject({ environment: "dev", secretPath: "/app" });
  // Ignored: a pure dynamic-secret event query, or no projectId.
  expect(envs(await logs(`${p}&environment=prod&eventType=update-dynamic-secret`))).toEqual(["dev", "prod", "staging"]);
  expect(envs(await logs(`environment=prod&eventType=update-dynamic-secret`))).toEqual(["dev", "prod", "staging"]);
  expect(await logs(`${p}&secretKey=nope`)).toEqual([]);
});

test("Appendix C 2: rate limiting runs after authentication and body parsing, before validation", async () => {
  const limited = await buildDsTestApp({ env: { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_WRITE_PER_MINUTE: "2" }, shared: t });
  try {
    const send = (headers: Record<string, string>, payload: string) =>
      limited.app.inject({
        method: "PATCH",
        url: "/api/v1/dynamic-secrets/totp-root",
        headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.2", ...headers },
        payload,
      });
    const invalid = JSON.stringify({ projectSlug: "ds-proj", environmentSlug: "dev", data: { defaultTTL: "1s" } });
    for (let i = 0; i < 4; i += 1) expect((await send({}, invalid)).statusCode).toBe(401);
    for (let i = 0; i < 4; i += 1) expect((await send(auth(f.admin), '{"projectSlug":')).statusCode).toBe(400);
    expect((await send(auth(f.admin), invalid)).statusCode).toBe(422);
    expect((await send(auth(f.admin), invalid)).statusCode).toBe(422);
    expect((await send(auth(f.admin), invalid)).statusCode).toBe(429);
    expect((await send({}, invalid)).statusCode).toBe(401);
  } finally {
    await limited.close();
  }
});

test("§1.1: application/scim+json bodies are JSON, as in Infisical; other types stay 415 (D14)", async () => {
  const send = (contentType: string, payload: string) =>
    t.app.inject({ method: "PATCH", url: "/api/v1/dynamic-secrets/totp-root", headers: { ...auth(f.admin), "content-type": contentType }, payload });
  const body = JSON.stringify({ projectSlug: "ds-proj", environmentSlug: "dev", data: { defaultTTL: "4h" } });
  const ok = await send("application/scim+json", body);
  expect(ok.statusCode).toBe(200);
  expect(ok.json().dynamicSecret.defaultTTL).toBe("4h");
  expect((await send("application/scim+json; charset=utf-8", "{x")).json()).toEqual(envelope(400, "BadRequest", "Body is not valid JSON"));
  expect((await send("application/xml", body)).statusCode).toBe(415);
});
