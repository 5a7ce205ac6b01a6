import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decrypt } from "../../../src/kms/cipher.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, createMember, type Fixture, patchBody, SQL_INPUTS, type TestIdentity } from "../../support/factories.js";
import { envelope, patchDs, rawPatch } from "./patch-support.js";

// PATCH: provider inputs, persistence, audit and the decisions that change Infisical's behaviour
// (patch-endpoint.md §7 cases 62–79; D1–D3, D5–D7, D10, D13, D17, D18, D20).

let t: DsTestApp;
let f: Fixture;
let editOnly: TestIdentity;
let counter = 0;

async function freshSecret(inputs: Record<string, unknown> = SQL_INPUTS, path = "/"): Promise<string> {
  counter += 1;
  const name = `ds-${counter}`;
  await createDynamicSecret(t, f, name, {
    path,
    provider: { type: "fake-sql", inputs },
    defaultTTL: "1h",
    maxTTL: "24h",
    metadata: [{ key: "team", value: "a" }],
  });
  return name;
}

const row = (name: string) => t.testDb.db.selectFrom("dynamic_secrets").selectAll().where("name", "=", name).executeTakeFirstOrThrow();

async function storedInputs(name: string): Promise<Record<string, unknown>> {
  const { encrypted_input } = await row(name);
  const cipher = await t.container.kmsService.forProject(f.project.id);
  return cipher.decryptJson(encrypted_input) as Record<string, unknown>;
}

async function auditRows(name?: string) {
  let q = t.testDb.db.selectFrom("audit_logs").selectAll().where("event_type", "=", "update-dynamic-secret");
  if (name) q = q.where(sql<boolean>`event_metadata->>'dynamicSecretName' = ${name}`);
  return q.orderBy("created_at").execute();
}

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "persist", { folders: ["dev:/app"] });
  editOnly = await createMember(t, f, "editonly", { custom: [[{ subject: "dynamic-secrets", action: ["edit-root-credential"] }]] });
});
afterAll(async () => t?.close());

describe("provider inputs", () => {
  test("62: a partial inputs PATCH keeps the other keys; audit names the changed key only", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { inputs: { password: "new" } });
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.inputs).toEqual({ ...SQL_INPUTS, password: "new" });
    expect(await storedInputs(name)).toEqual({ ...SQL_INPUTS, password: "new" });
    const [event] = await auditRows(name);
    expect(event!.event_metadata).toMatchObject({ updatedFields: ["password"] });
  });

  test("ciphertext only: the stored column never contains the inputs in clear and changes on every inputs change", async () => {
    const name = await freshSecret({ ...SQL_INPUTS, password: "plaintext-password-1" });
    const before = Buffer.from((await row(name)).encrypted_input);
    expect(before.includes(Buffer.from("plaintext-password-1"))).toBe(false);
    await patchDs(t, f, name, { inputs: { password: "plaintext-password-2" } });
    const after = Buffer.from((await row(name)).encrypted_input);
    expect(after.equals(before)).toBe(false);
    expect(after.includes(Buffer.from("plaintext-password-2"))).toBe(false);
    expect(after[0]).toBe(1); // blob format version
    const { rows } = await sql<{ text: string }>`SELECT encode(encrypted_input, 'escape') AS text FROM dynamic_secrets`.execute(t.testDb.db);
    for (const r of rows) expect(r.text).not.toContain("plaintext-password");
  });

  test("63: provider schema failures are 422 with paths relative to the inputs", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { inputs: { port: "abc" } });
    expect(res.status).toBe(422);
    expect(res.body.message).toEqual([expect.objectContaining({ code: "invalid_type", path: ["port"] })]);
  });

  test("nested objects are replaced, not merged (shallow merge)", async () => {
    const name = await freshSecret({ ...SQL_INPUTS, options: { ssl: true, mode: "verify" } });
    const res = await patchDs(t, f, name, { inputs: { options: { ssl: false } } });
    expect(res.body.dynamicSecret.inputs.options).toEqual({ ssl: false });
    const [event] = await auditRows(name);
    expect(event!.event_metadata).toMatchObject({ updatedFields: ["options.mode", "options.ssl"] });
  });

  test("declared secret fields are restored when omitted, and redacted from responses", async () => {
    const name = await freshSecret({ ...SQL_INPUTS, clientAuth: { clientId: "id-1", clientSecret: "cs-1" } });
    const res = await patchDs(t, f, name, { inputs: { clientAuth: { clientId: "id-2" } } });
    expect(res.body.dynamicSecret.inputs.clientAuth).toEqual({ clientId: "id-2" });
    expect((await storedInputs(name)).clientAuth).toEqual({ clientId: "id-2", clientSecret: "cs-1" });
    const [event] = await auditRows(name);
    expect(event!.event_metadata).toMatchObject({ updatedFields: ["clientAuth.clientId"] });
  });

  test.each([
    ["64", { gatewayId: "8f1e2d3c-0000-4000-8000-000000000001", gatewayPoolId: "8f1e2d3c-0000-4000-8000-000000000002" }, 400, "BadRequest", "Cannot specify both a gateway and a gateway pool"],
    ["65 (D20)", { gatewayId: "8f1e2d3c-0000-4000-8000-000000000001" }, 404, "NotFound", "Gateway with ID 8f1e2d3c-0000-4000-8000-000000000001 not found"],
    ["D20 pool", { gatewayPoolId: "8f1e2d3c-0000-4000-8000-000000000002" }, 404, "NotFound", "Gateway pool with ID 8f1e2d3c-0000-4000-8000-000000000002 not found"],
  ])("%s: gateways are not supported", async (_case, inputs, status, error, message) => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { inputs });
    expect(res.body).toEqual(envelope(status, error, message));
  });

  test("D20: gatewayId null is accepted (nothing to attach)", async () => {
    const name = await freshSecret();
    expect((await patchDs(t, f, name, { inputs: { gatewayId: null } })).status).toBe(200);
  });

  test("66: a failed connection test → 400 and nothing persisted", async () => {
    const name = await freshSecret();
    const before = await row(name);
    const res = await patchDs(t, f, name, { inputs: { host: "down" }, defaultTTL: "2h" });
    expect(res.body).toEqual(envelope(400, "BadRequest", "Failed to connect with provider: connect ECONNREFUSED"));
    expect(await row(name)).toEqual(before);
    expect(await auditRows(name)).toHaveLength(0);
  });

  test("D17: the connection test runs only when the merged inputs change", async () => {
    const name = await freshSecret();
    const calls = () => t.connectionCalls.length;
    let n = calls();
    await patchDs(t, f, name, { defaultTTL: "2h", newName: undefined, metadata: [] });
    expect(calls()).toBe(n);
    await patchDs(t, f, name, { inputs: { password: "pw" } }); // same value: no change
    expect(calls()).toBe(n);
    await patchDs(t, f, name, { inputs: { password: "changed" } });
    expect(calls()).toBe(n + 1);
    n = calls();
    // The target goes down: a TTL-only PATCH still succeeds (Infisical would answer 400).
    await t.testDb.db
      .updateTable("dynamic_secrets")
      .set({ encrypted_input: (await t.container.kmsService.forProject(f.project.id)).encryptJson({ ...SQL_INPUTS, host: "down" }) })
      .where("name", "=", name)
      .execute();
    expect((await patchDs(t, f, name, { defaultTTL: "3h" })).status).toBe(200);
    expect(calls()).toBe(n);
  });

  test("D13: stored inputs an older schema accepted never block an edit", async () => {
    const name = await freshSecret();
    const legacy = { host: "db.internal", username: "admin", password: "pw", projectGatewayId: "legacy", port: "not-a-number" };
    await t.testDb.db
      .updateTable("dynamic_secrets")
      .set({ encrypted_input: (await t.container.kmsService.forProject(f.project.id)).encryptJson(legacy) })
      .where("name", "=", name)
      .execute();
    expect((await patchDs(t, f, name, { defaultTTL: "2h" })).status).toBe(200);
    // An inputs PATCH that repairs the bad key validates the merged result only.
    const fixed = await patchDs(t, f, name, { inputs: { port: 5433 } });
    expect(fixed.status).toBe(200);
    expect(await storedInputs(name)).toEqual({ host: "db.internal", port: 5433, username: "admin", password: "pw", database: "app" });
  });

  test("providers §6 cases 38 and 40: switching a TOTP's branch by PATCH", async () => {
    counter += 1;
    const name = `totp-${counter}`;
    await createDynamicSecret(t, f, name, {
      provider: { type: "totp", inputs: { configType: "url", url: "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme" } },
    });
    const manual = await patchDs(t, f, name, { inputs: { configType: "manual", secret: "JBSW Y3DP EHPK 3PXP" } });
    expect(manual.body.dynamicSecret.inputs).toEqual({ configType: "manual", secret: "JBSWY3DPEHPK3PXP" });
    const back = await patchDs(t, f, name, { inputs: { configType: "url" } });
    expect(back.status).toBe(422);
    expect(back.body.message).toEqual([expect.objectContaining({ path: ["url"] })]);
    const [event] = await auditRows(name);
    expect(event!.event_metadata).toMatchObject({ updatedFields: ["configType", "secret", "url"] });
  });

  test("67: without read-root-credential the 200 body has inputs null", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { defaultTTL: "2h" }, { as: editOnly });
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.inputs).toBeNull();
  });
});

describe("persistence", () => {
  test("69 (D1): data {} → 200, version + 1, updatedAt advanced, createdAt kept, status null, updatedFields []", async () => {
    const name = await freshSecret();
    const before = await row(name);
    const res = await patchDs(t, f, name, {});
    expect(res.status).toBe(200);
    const ds = res.body.dynamicSecret;
    expect(ds.version).toBe(2);
    expect(ds.status).toBeNull();
    expect(new Date(ds.createdAt).getTime()).toBe(before.created_at.getTime());
    expect(new Date(ds.updatedAt).getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
    expect((await row(name)).version).toBe(2);
    expect((await auditRows(name))[0]!.event_metadata).toMatchObject({ updatedFields: [] });
  });

  test("70: status reset to null, statusDetails kept", async () => {
    const name = await freshSecret();
    await t.testDb.db.updateTable("dynamic_secrets").set({ status: "Failed to delete", status_details: "x" }).where("name", "=", name).execute();
    const res = await patchDs(t, f, name, {});
    expect(res.body.dynamicSecret).toMatchObject({ status: null, statusDetails: "x" });
  });

  test("D7: a secret being deleted cannot be edited", async () => {
    const name = await freshSecret();
    await t.testDb.db.updateTable("dynamic_secrets").set({ status: "Revocation in process" }).where("name", "=", name).execute();
    const res = await patchDs(t, f, name, { defaultTTL: "2h" });
    expect(res.body).toEqual(envelope(400, "BadRequest", "Dynamic secret is being deleted"));
    expect((await row(name)).version).toBe(1);
  });

  test("71, 72 (D6): maxTTL null clears and is reported; omitted maxTTL is kept", async () => {
    const name = await freshSecret();
    const kept = await patchDs(t, f, name, { defaultTTL: "2h" });
    expect(kept.body.dynamicSecret.maxTTL).toBe("24h");
    const cleared = await patchDs(t, f, name, { maxTTL: null });
    expect(cleared.body.dynamicSecret.maxTTL).toBeNull();
    const events = await auditRows(name);
    expect(events.map((e) => (e.event_metadata as { updatedFields: string[] }).updatedFields)).toEqual([["defaultTTL"], ["maxTTL"]]);
  });

  test("D10: default TTL above max TTL after the merge → 400", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { defaultTTL: "48h" });
    expect(res.body).toEqual(envelope(400, "BadRequest", "Default TTL cannot be greater than max TTL"));
    expect((await patchDs(t, f, name, { defaultTTL: "48h", maxTTL: "72h" })).status).toBe(200);
    expect((await patchDs(t, f, name, { maxTTL: "1h" })).status).toBe(400);
    expect((await patchDs(t, f, name, { maxTTL: null })).status).toBe(200);
  });

  test("73, D18: metadata [] clears every row; the 200 body carries metadata", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { metadata: [] });
    expect(res.body.dynamicSecret.metadata).toEqual([]);
    const rows = await t.testDb.db.selectFrom("resource_metadata").selectAll().where("dynamic_secret_id", "=", res.body.dynamicSecret.id).execute();
    expect(rows).toHaveLength(0);
    expect((await auditRows(name))[0]!.event_metadata).toMatchObject({ updatedFields: ["metadata"] });
  });

  test("74: metadata trimmed, duplicates kept in order, org id of the actor", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, { metadata: [{ key: " k ", value: " v " }, { key: "k" }] });
    expect(res.body.dynamicSecret.metadata).toEqual([
      { key: "k", value: "v" },
      { key: "k", value: "" },
    ]);
    const rows = await t.testDb.db
      .selectFrom("resource_metadata")
      .select(["key", "value", "org_id"])
      .where("dynamic_secret_id", "=", res.body.dynamicSecret.id)
      .orderBy("position")
      .execute();
    expect(rows).toEqual([
      { key: "k", value: "v", org_id: f.orgId },
      { key: "k", value: "", org_id: f.orgId },
    ]);
  });

  test("75: omitted metadata leaves the rows (ids included) untouched", async () => {
    const name = await freshSecret();
    const id = (await row(name)).id;
    const before = await t.testDb.db.selectFrom("resource_metadata").select(["id", "key", "value"]).where("dynamic_secret_id", "=", id).execute();
    await patchDs(t, f, name, { defaultTTL: "2h" });
    expect(await t.testDb.db.selectFrom("resource_metadata").select(["id", "key", "value"]).where("dynamic_secret_id", "=", id).execute()).toEqual(before);
  });

  test("76, D20: the 200 body is exactly the contract's fields, gateways null, no ciphertext", async () => {
    const name = await freshSecret();
    const res = await patchDs(t, f, name, {});
    expect(Object.keys(res.body.dynamicSecret)).toEqual([
      "id", "name", "version", "type", "defaultTTL", "maxTTL", "folderId", "status", "statusDetails", "createdAt", "updatedAt",
      "projectGatewayId", "gatewayId", "usernameTemplate", "gatewayV2Id", "gatewayPoolId", "metadata", "inputs",
    ]);
    expect(res.body.dynamicSecret).toMatchObject({ projectGatewayId: null, gatewayId: null, gatewayV2Id: null, gatewayPoolId: null });
  });

  test("77, 78, 79 (D6): audit event with every changed field, the new name, the normalised path", async () => {
    const name = await freshSecret(SQL_INPUTS, "/app");
    const res = await patchDs(t, f, name, { defaultTTL: "2h", newName: `${name}-b`, usernameTemplate: "{{randomUsername}}" }, { path: "/app/" });
    expect(res.status).toBe(200);
    const [event] = await auditRows(`${name}-b`);
    expect(event).toMatchObject({
      actor: "identity",
      actor_metadata: { identityId: f.admin.id, name: f.admin.name },
      event_type: "update-dynamic-secret",
      org_id: f.orgId,
      project_id: f.project.id,
      project_name: f.project.name,
      user_agent_type: "other",
      event_metadata: {
        dynamicSecretName: `${name}-b`,
        dynamicSecretType: "fake-sql",
        dynamicSecretId: res.body.dynamicSecret.id,
        environment: "dev",
        secretPath: "/app",
        projectId: f.project.id,
        updatedFields: ["defaultTTL", "name", "usernameTemplate"],
      },
    });
    // Retention: expires after config.auditLogRetentionDays (default 90).
    const days = (event!.expires_at!.getTime() - event!.created_at.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
  });

  test("D6: the audit row is written in the update's transaction — if it cannot be written, nothing changes", async () => {
    const name = await freshSecret();
    const before = await row(name);
    await sql`ALTER TABLE audit_logs ADD CONSTRAINT audit_blocked CHECK (event_type <> 'update-dynamic-secret') NOT VALID`.execute(t.testDb.db);
    try {
      const res = await patchDs(t, f, name, { defaultTTL: "2h", inputs: { password: "x" }, metadata: [] }, { allow5xx: true });
      expect(res.body).toEqual(envelope(500, "InternalServerError", "Something went wrong"));
    } finally {
      await sql`ALTER TABLE audit_logs DROP CONSTRAINT audit_blocked`.execute(t.testDb.db);
    }
    expect(await row(name)).toEqual(before);
    const metadata = await t.testDb.db.selectFrom("resource_metadata").select("key").where("dynamic_secret_id", "=", before.id).execute();
    expect(metadata).toEqual([{ key: "team" }]);
  });

  test("failures are not audited", async () => {
    const name = await freshSecret();
    await patchDs(t, f, name, { defaultTTL: "48h" });
    await patchDs(t, f, name, { inputs: { port: "x" } });
    expect(await auditRows(name)).toHaveLength(0);
  });
});

describe("D3: ETag and If-Match", () => {
  test("a 200 carries ETag \"<version>\"; a stale If-Match → 412, a current one → 200", async () => {
    const name = await freshSecret();
    const first = await patchDs(t, f, name, { defaultTTL: "2h" });
    expect(first.headers.etag).toBe('"2"');
    const stale = await patchDs(t, f, name, { defaultTTL: "3h" }, { headers: { "if-match": '"1"' } });
    expect(stale.body).toEqual(envelope(412, "PreconditionFailed", "The dynamic secret is at version 2; If-Match names another version"));
    expect((await row(name)).default_ttl).toBe("2h");
    const current = await patchDs(t, f, name, { defaultTTL: "3h" }, { headers: { "if-match": '"2"' } });
    expect(current.status).toBe(200);
    expect(current.headers.etag).toBe('"3"');
    expect((await patchDs(t, f, name, {}, { headers: { "if-match": "*" } })).status).toBe(200);
    expect((await patchDs(t, f, name, {}, { headers: { "if-match": "garbage" } })).status).toBe(412);
  });

  test("GET answers the same ETag", async () => {
    const name = await freshSecret();
    await patchDs(t, f, name, {});
    const res = await t.app.inject({
      method: "GET",
      url: `/api/v1/dynamic-secrets/${name}?projectSlug=${f.project.slug}&environmentSlug=dev`,
      headers: auth(f.admin),
    });
    expect(res.headers.etag).toBe('"2"');
  });
});

describe("hostile input", () => {
  test("tampered ciphertext → 500 that reveals nothing", async () => {
    const name = await freshSecret({ ...SQL_INPUTS, password: "do-not-leak" });
    const { encrypted_input } = await row(name);
    const tampered = Buffer.from(encrypted_input);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0xff;
    await t.testDb.db.updateTable("dynamic_secrets").set({ encrypted_input: tampered }).where("name", "=", name).execute();
    const res = await patchDs(t, f, name, { inputs: { port: 1 } }, { allow5xx: true });
    expect(res.body).toEqual(envelope(500, "InternalServerError", "Something went wrong"));
    const get = await t.app.inject({
      method: "GET",
      url: `/api/v1/dynamic-secrets/${name}?projectSlug=${f.project.slug}&environmentSlug=dev`,
      headers: auth(f.admin),
    });
    expect(get.statusCode).toBe(500);
    expect(get.json()).toEqual(envelope(500, "InternalServerError", "Something went wrong"));
    expect(() => decrypt(Buffer.alloc(32), tampered)).toThrow("Decryption failed");
  });

  const hostile: [string, unknown][] = [
    ["__proto__ at the top", '{"__proto__":{"x":1},"projectSlug":"p","environmentSlug":"dev","data":{}}'],
    ["constructor.prototype in inputs", '{"projectSlug":"persist","environmentSlug":"dev","data":{"inputs":{"constructor":{"prototype":{"x":1}}}}}'],
    ["deeply nested inputs", JSON.stringify({ projectSlug: "persist", environmentSlug: "dev", data: { inputs: { a: JSON.parse("[".repeat(500) + "]".repeat(500)) } } })],
    ["inputs array", { projectSlug: "persist", environmentSlug: "dev", data: { inputs: [1, 2] } }],
    ["inputs number", { projectSlug: "persist", environmentSlug: "dev", data: { inputs: 5 } }],
    ["inputs null", { projectSlug: "persist", environmentSlug: "dev", data: { inputs: null } }],
    ["huge newName", { projectSlug: "persist", environmentSlug: "dev", data: { newName: "a".repeat(10_000) } }],
    ["metadata value too long", { projectSlug: "persist", environmentSlug: "dev", data: { metadata: [{ key: "k", value: "v".repeat(2000) }] } }],
    ["metadata not an array", { projectSlug: "persist", environmentSlug: "dev", data: { metadata: { key: "k" } } }],
    ["TTL a number", { projectSlug: "persist", environmentSlug: "dev", data: { defaultTTL: 3600 } }],
    ["TTL very long", { projectSlug: "persist", environmentSlug: "dev", data: { maxTTL: "9".repeat(5000) } }],
    ["template with NUL", { projectSlug: "persist", environmentSlug: "dev", data: { usernameTemplate: "a\u0000b" } }],
    ["path traversal", { projectSlug: "persist", environmentSlug: "dev", path: "/../..", data: {} }],
    ["unicode path", { projectSlug: "persist", environmentSlug: "dev", path: "/ü", data: {} }],
    ["slug with SQL", { projectSlug: "'; DROP TABLE dynamic_secrets; --", environmentSlug: "dev", data: {} }],
    ["a JSON array body", "[1,2,3]"],
    ["a JSON string body", '"x"'],
    ["a JSON null body", "null"],
    ["inputs with a huge key", { projectSlug: "persist", environmentSlug: "dev", data: { inputs: { ["k".repeat(100_000)]: 1 } } }],
    ["unknown provider keys with nulls", { projectSlug: "persist", environmentSlug: "dev", data: { inputs: { host: null, port: null, password: null } } }],
  ];

  test.each(hostile)("%s → never a 5xx", async (_label, payload) => {
    const name = await freshSecret();
    const res = await rawPatch(t, `/api/v1/dynamic-secrets/${name}`, {
      headers: { ...auth(f.admin), "content-type": "application/json" },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    expect((await row(name)).version).toBeLessThanOrEqual(2);
  });

  test("URL names with odd encodings → never a 5xx", async () => {
    for (const name of ["%20", "%2F", "..%2F..", "%E2%82%AC", "a%00b"]) {
      const res = await rawPatch(t, `/api/v1/dynamic-secrets/${name}`, { headers: auth(f.admin), payload: patchBody(f, {}) });
      expect(res.status, name).toBe(404);
    }
    // Malformed percent-encoding is rejected by the router itself, still with the envelope.
    const bad = await rawPatch(t, "/api/v1/dynamic-secrets/%ZZ", { headers: auth(f.admin), payload: patchBody(f, {}) });
    expect(bad.body).toEqual(envelope(400, "BadRequest", "'/api/v1/dynamic-secrets/%ZZ' is not a valid url component"));
  });
});
