import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort } from "../../support/fake-http.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { envelope, patchDs } from "./patch-support.js";

// PATCH with the real sql-database provider against this machine's MariaDB (127.0.0.1:3306, root,
// empty password): the connection test, its failures and D17 end to end.

const M = {
  client: "mysql2",
  host: "127.0.0.1",
  port: 3306,
  database: "mysql",
  username: "root",
  password: "",
  creationStatement: "CREATE USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';",
  revocationStatement: "DROP USER IF EXISTS '{{username}}'@'%';",
};

let t: DsTestApp;
let f: Fixture;
let unused: number;

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "sql");
  unused = await closedPort();
  await createDynamicSecret(t, f, "mysql-ds", { provider: { type: "sql-database", inputs: M } });
});
afterAll(async () => t?.close());

const stored = async () => {
  const row = await t.testDb.db.selectFrom("dynamic_secrets").selectAll().where("name", "=", "mysql-ds").executeTakeFirstOrThrow();
  return { row, inputs: (await t.container.kmsService.forProject(f.project.id)).decryptJson(row.encrypted_input) as Record<string, unknown> };
};

describe("sql-database over PATCH", () => {
  test("an inputs change is tested against the real server: 200 and stored (hostIp derived)", async () => {
    const res = await patchDs(t, f, "mysql-ds", { inputs: { database: "information_schema" } });
    expect(res.status).toBe(200);
    expect(res.body.dynamicSecret.inputs).toMatchObject({ database: "information_schema", hostIp: "127.0.0.1" });
    expect((await stored()).inputs).toMatchObject({ ...M, database: "information_schema" });
  });

  test("§6 case 2: nothing listening → 400, nothing stored", async () => {
    const before = await stored();
    const res = await patchDs(t, f, "mysql-ds", { inputs: { port: unused } });
    expect(res.body).toEqual(envelope(400, "BadRequest", `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`));
    expect((await stored()).row).toEqual(before.row);
  });

  test("§6 case 23: a wrong password → 400 with the username redacted", async () => {
    const res = await patchDs(t, f, "mysql-ds", { inputs: { password: "definitely-wrong" } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("Access denied for user '[REDACTED]'");
    expect(res.body.message).not.toContain("definitely-wrong");
  });

  test("§6 cases 4 and 10: schema → 422 at the input's own path; statement template → 400", async () => {
    const schema = await patchDs(t, f, "mysql-ds", { inputs: { port: "3306" } });
    expect(schema.status).toBe(422);
    expect(schema.body.message).toEqual([expect.objectContaining({ path: ["port"] })]);
    const template = await patchDs(t, f, "mysql-ds", { inputs: { revocationStatement: "DROP USER '{{username}}'; -- {{password}}" } });
    expect(template.body).toEqual(envelope(400, "BadRequest", "Template sanitization failed: SQL revoke"));
  });

  test("D17: with the target down, TTL/metadata/rename PATCHes still succeed; an inputs PATCH is tested", async () => {
    const cipher = await t.container.kmsService.forProject(f.project.id);
    const { inputs } = await stored();
    await t.testDb.db
      .updateTable("dynamic_secrets")
      .set({ encrypted_input: cipher.encryptJson({ ...inputs, port: unused }) })
      .where("name", "=", "mysql-ds")
      .execute();
    const ok = await patchDs(t, f, "mysql-ds", { defaultTTL: "2h", metadata: [{ key: "team", value: "db" }], newName: "mysql-ds-2" });
    expect(ok.status).toBe(200);
    const unchanged = await patchDs(t, f, "mysql-ds-2", { inputs: { username: "root" } }); // same value: not tested
    expect(unchanged.status).toBe(200);
    const tested = await patchDs(t, f, "mysql-ds-2", { inputs: { database: "mysql" } });
    expect(tested.status).toBe(400);
    const fixed = await patchDs(t, f, "mysql-ds-2", { inputs: { port: 3306 } });
    expect(fixed.status).toBe(200);
  });
});
