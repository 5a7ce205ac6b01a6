import { afterAll, beforeAll, expect, test } from "vitest";
import { prng, randomValue } from "../../support/fuzz.js";
import { assertMatchesContract } from "../openapi/contract.js";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, type Fixture, SQL_INPUTS } from "../../support/factories.js";

// Seeded fuzzing of the PATCH body: hundreds of malformed and hostile bodies (wrong types, huge and
// odd strings, deep nesting, prototype keys, near-valid values), each answered with a contract
// envelope and never a 5xx; only the 200s change anything.

let t: DsTestApp;
let f: Fixture;

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "fuzz");
  await createDynamicSecret(t, f, "fuzz-totp");
  await createDynamicSecret(t, f, "fuzz-sql", { provider: { type: "fake-sql", inputs: SQL_INPUTS } });
});
afterAll(async () => t?.close());

const value = (rand: () => number, depth: number) => randomValue(rand, depth);

function body(rand: () => number): unknown {
  const maybe = (v: () => unknown) => (rand() < 0.5 ? v() : undefined);
  const field = (valid: unknown) => (rand() < 0.6 ? valid : value(rand, 1));
  const data: Record<string, unknown> = {};
  for (const [key, valid] of [
    ["inputs", { password: "pw2" }],
    ["defaultTTL", "2h"],
    ["maxTTL", "48h"],
    ["newName", "renamed"],
    ["metadata", [{ key: "team", value: "a" }]],
    ["usernameTemplate", "{{randomUsername}}"],
  ] as const) {
    const v = maybe(() => field(valid));
    if (v !== undefined) data[key] = v;
  }
  const top: Record<string, unknown> = {
    projectSlug: field("fuzz"),
    environmentSlug: field("dev"),
    path: maybe(() => field("/")),
    data: rand() < 0.85 ? data : value(rand, 1),
  };
  return rand() < 0.05 ? value(rand, 0) : top;
}

// `npm run fuzz` (bench/fuzz.ts) runs these at scale through FUZZ_N, FUZZ_SEED and FUZZ_TIMEOUT_MS.
const TIMEOUT = Number(process.env.FUZZ_TIMEOUT_MS ?? 120_000);

test("400 seeded random bodies: contract envelopes, never a 5xx", async () => {
  const rand = prng(Number(process.env.FUZZ_SEED ?? 20261127));
  const seen = new Map<number, number>();
  for (let i = 0; i < Number(process.env.FUZZ_N ?? 400); i += 1) {
    const payload = body(rand);
    const name = rand() < 0.5 ? "fuzz-totp" : "fuzz-sql";
    let raw = JSON.stringify(payload) ?? "null";
    if (rand() < 0.05) raw = raw.replace("{", '{"__proto__":{"polluted":1},'); // prototype poisoning
    if (rand() < 0.03) raw = raw.slice(0, Math.floor(raw.length / 2)); // truncated JSON
    const res = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/dynamic-secrets/${name}`,
      headers: { ...auth(f.admin), "content-type": "application/json" },
      payload: raw,
    });
    seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
    expect(res.statusCode, `case ${i}: ${raw.slice(0, 300)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
    assertMatchesContract(res.statusCode, res.json());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }
  // The generator reaches every kind of outcome, not only schema failures.
  expect([...seen.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 404, 422]));
  // Each 200 bumped a version and wrote one audit row; no rejected request changed anything.
  const versions = await t.testDb.db.selectFrom("dynamic_secrets").select("version").execute();
  const audited = await t.testDb.db.selectFrom("audit_logs").select("id").where("event_type", "=", "update-dynamic-secret").execute();
  expect(versions.reduce((sum, r) => sum + r.version - 1, 0)).toBe(seen.get(200));
  expect(audited).toHaveLength(seen.get(200)!);
}, TIMEOUT);

test("create: 300 seeded random bodies over every provider type: never a 5xx", async () => {
  const rand = prng(Number(process.env.FUZZ_SEED ?? 4242));
  const types = [...t.container.providers.types];
  const seen = new Map<number, number>();
  for (let i = 0; i < Number(process.env.FUZZ_N ?? 300); i += 1) {
    const type = types[Math.floor(rand() * types.length)]!;
    const inputs = rand() < 0.5 ? value(rand, 0) : Object.fromEntries(Array.from({ length: 6 }, () => [["host", "port", "username", "password", "url", "secret", "configType", "client", "database", "roles", "auth"][Math.floor(rand() * 11)]!, value(rand, 1)]));
    const payload = {
      projectSlug: "fuzz",
      environmentSlug: "dev",
      name: `fz-${i}`,
      provider: rand() < 0.9 ? { type, inputs } : value(rand, 1),
      defaultTTL: rand() < 0.8 ? "1h" : value(rand, 1),
      ...(rand() < 0.3 ? { metadata: value(rand, 1) } : {}),
    };
    const res = await t.app.inject({ method: "POST", url: "/api/v1/dynamic-secrets", headers: auth(f.admin), payload });
    seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
    expect(res.statusCode, `case ${i}: ${JSON.stringify(payload).slice(0, 400)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
  }
  expect(seen.get(422)).toBeGreaterThan(0);
  // Only the 200s created anything: one row and one audit row each.
  const created = await t.testDb.db.selectFrom("dynamic_secrets").select("id").where("name", "like", "fz-%").execute();
  const audited = await t.testDb.db.selectFrom("audit_logs").select("id").where("event_type", "=", "create-dynamic-secret").execute();
  expect(created).toHaveLength(seen.get(200) ?? 0);
  expect(audited).toHaveLength((seen.get(200) ?? 0) + 2);
}, TIMEOUT);
