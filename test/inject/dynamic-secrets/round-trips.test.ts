import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture, patchBody } from "../../support/factories.js";

// The PATCH's statement budget in the steady state (issue 9), counted at the query builder of the
// app that serves the requests: the token row with project/permission/folder/secret (1: PATCH
// authenticates "deferred", see auth.plugin), the write with its metadata and audit row (1).

let base: DsTestApp;
let counted: DsTestApp;
let f: Fixture;
let statements: string[] = [];

beforeAll(async () => {
  base = await buildDsTestApp();
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      statements.push(args.node.kind);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  // The second app ("process") runs every statement through this executor.
  const db = base.testDb.db.withPlugin(counter);
  counted = await buildDsTestApp({ shared: { ...base, testDb: { ...base.testDb, db } } });
  f = await createFixture(base, "trips");
});
afterAll(async () => {
  await counted?.close();
  await base?.close();
});

async function patch(name: string, data: unknown) {
  statements = [];
  const res = await counted.app.inject({
    method: "PATCH",
    url: `/api/v1/dynamic-secrets/${name}`,
    headers: { authorization: `Bearer ${f.admin.token}` },
    payload: patchBody(f, data),
  });
  expect(res.statusCode, res.body).toBe(200);
  return statements.length;
}

test("TTL-only PATCH: 2 statements; inputs PATCH: 2; metadata PATCH: 2", async () => {
  await createDynamicSecret(base, f, "rt", { metadata: [{ key: "team", value: "a" }] });
  await patch("rt", { defaultTTL: "2h" }); // first use of the project's data key in this process
  for (let i = 0; i < 3; i += 1) {
    expect(await patch("rt", { defaultTTL: i % 2 ? "2h" : "3h" })).toBeLessThanOrEqual(3);
    expect(await patch("rt", { inputs: { digits: i % 2 ? 6 : 8 } })).toBeLessThanOrEqual(4);
    expect(await patch("rt", { metadata: [{ key: "team", value: `t${i}` }] })).toBe(2);
  }
  const row = await base.testDb.db.selectFrom("dynamic_secrets").select("version").where("name", "=", "rt").executeTakeFirstOrThrow();
  expect(row.version).toBe(1 + 1 + 9);
  const audits = await base.testDb.db.selectFrom("audit_logs").select("id").where("event_type", "=", "update-dynamic-secret").execute();
  expect(audits).toHaveLength(10);
});

test("exact counts: TTL-only and inputs PATCHes are 2 statements each", async () => {
  await createDynamicSecret(base, f, "rt-exact");
  await patch("rt-exact", { defaultTTL: "2h" });
  expect(await patch("rt-exact", { defaultTTL: "3h" })).toBe(2);
  expect(await patch("rt-exact", { inputs: { digits: 8 } })).toBe(2);
});
