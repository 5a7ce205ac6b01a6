import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertMatchesContract } from "../openapi/contract.js";
import { buildDsTestApp, listenOnLoopback, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture, patchBody, SQL_INPUTS } from "../../support/factories.js";
import { envelope } from "./patch-support.js";

// Real concurrency over HTTP (listen on port 0 + fetch) on the real database (D2, D4, D5). On
// PGlite the same tests pass: its single connection serializes the transactions.

let t: DsTestApp;
let f: Fixture;
let base: string;

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, "conc");
  base = await listenOnLoopback(t.app);
});
afterAll(async () => t?.close());

async function call(method: string, name: string, body: unknown, app = base) {
  const res = await fetch(`${app}/api/v1/dynamic-secrets/${name}`, {
    method,
    headers: { authorization: `Bearer ${f.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (method === "PATCH") assertMatchesContract(res.status, json);
  return { status: res.status, body: json };
}

const row = (name: string) => t.testDb.db.selectFrom("dynamic_secrets").selectAll().where("name", "=", name).executeTakeFirst();

async function storedInputs(name: string) {
  const r = await row(name);
  return (await t.container.kmsService.forProject(f.project.id)).decryptJson(r!.encrypted_input) as Record<string, unknown>;
}

describe("D2: no lost updates", () => {
  test("50 parallel partial PATCHes of different input keys all survive; version ends at 51", async () => {
    await createDynamicSecret(t, f, "kv-50", { provider: { type: "fake-kv", inputs: { base: "x" } } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call("PATCH", "kv-50", patchBody(f, { inputs: { [`k${i}`]: `v${i}` } }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.body.dynamicSecret.version))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => i + 2)));
    const stored = await storedInputs("kv-50");
    expect(stored).toEqual({ base: "x", ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`])) });
    expect((await row("kv-50"))!.version).toBe(51);
    // Every inputs state that was stored had been tested, exactly as stored.
    expect(t.testedKv).toContain(JSON.stringify(Object.fromEntries(Object.entries(stored).sort())));
    // One audit row per change, each naming its own key.
    const { rows } = await sql<{ fields: string[] }>`
      SELECT event_metadata->'updatedFields' AS fields FROM audit_logs
      WHERE event_type = 'update-dynamic-secret' AND event_metadata->>'dynamicSecretName' = 'kv-50'`.execute(t.testDb.db);
    expect(rows.map((r) => r.fields).sort()).toEqual(Array.from({ length: 50 }, (_, i) => [`k${i}`]).sort());
  });

  test("§7 case 80: password and port changed concurrently → both kept (Infisical keeps one)", async () => {
    await createDynamicSecret(t, f, "sql-80", { provider: { type: "fake-sql", inputs: SQL_INPUTS } });
    const [a, b] = await Promise.all([
      call("PATCH", "sql-80", patchBody(f, { inputs: { password: "p1" } })),
      call("PATCH", "sql-80", patchBody(f, { inputs: { port: 3307 } })),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await storedInputs("sql-80")).toEqual({ ...SQL_INPUTS, password: "p1", port: 3307 });
    expect((await row("sql-80"))!.version).toBe(3);
  });

  test("TTL, metadata and inputs PATCHes racing each other all survive", async () => {
    await createDynamicSecret(t, f, "kv-mixed", { provider: { type: "fake-kv", inputs: { base: "x" } }, maxTTL: null });
    const bodies = [
      ...Array.from({ length: 10 }, (_, i) => ({ inputs: { [`m${i}`]: i } })),
      ...Array.from({ length: 10 }, (_, i) => ({ defaultTTL: `${i + 2}h` })),
      { metadata: [{ key: "team", value: "a" }] },
      { usernameTemplate: "{{randomUsername}}" },
    ];
    const results = await Promise.all(bodies.map((data) => call("PATCH", "kv-mixed", patchBody(f, data))));
    expect(results.map((r) => r.status)).toEqual(Array(bodies.length).fill(200));
    const final = await row("kv-mixed");
    expect(final!.version).toBe(1 + bodies.length);
    expect(final!.username_template).toBe("{{randomUsername}}");
    expect(await storedInputs("kv-mixed")).toEqual({ base: "x", ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`m${i}`, i])) });
  });

  test("two server processes on one database: the merge is recomputed under the lock and re-tested when it moved", async () => {
    const other = await buildDsTestApp({ shared: t });
    const otherBase = await listenOnLoopback(other.app);
    try {
      await createDynamicSecret(t, f, "kv-two", { provider: { type: "fake-kv", inputs: { base: "x" } } });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => call("PATCH", "kv-two", patchBody(f, { inputs: { [`p${i}`]: i } }), i % 2 ? otherBase : base)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const stored = await storedInputs("kv-two");
      expect(Object.keys(stored)).toHaveLength(21);
      expect((await row("kv-two"))!.version).toBe(21);
      expect(t.testedKv).toContain(JSON.stringify(Object.fromEntries(Object.entries(stored).sort())));
    } finally {
      await other.close();
    }
  });
});

describe("D4: rename races are decided by the unique index", () => {
  test("20 parallel renames to one name → exactly one 200 and nineteen 400s", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `rn-${i}`);
    for (const name of names) await createDynamicSecret(t, f, name);
    const results = await Promise.all(names.map((name) => call("PATCH", name, patchBody(f, { newName: "rn-target" }))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(400)]);
    for (const r of results.filter((x) => x.status === 400)) {
      expect(r.body).toEqual(envelope(400, "BadRequest", "Provided dynamic secret already exists under the folder"));
    }
    const winner = results.find((r) => r.status === 200)!.body.dynamicSecret;
    expect(await row("rn-target")).toMatchObject({ id: winner.id, version: 2 });
    const untouched = await t.testDb.db.selectFrom("dynamic_secrets").select(["version"]).where("name", "like", "rn-%").where("name", "<>", "rn-target").execute();
    expect(untouched).toHaveLength(19);
    expect(untouched.every((r) => r.version === 1)).toBe(true);
  });
});

describe("D5: update racing delete", () => {
  test("PATCH racing DELETE gives only 200/404, never a 500, and leaves no orphan", async () => {
    for (let i = 0; i < 10; i += 1) {
      const name = `race-${i}`;
      await createDynamicSecret(t, f, name);
      const deleteBody = { projectSlug: f.project.slug, environmentSlug: "dev", path: "/" };
      const [patch, del, patch2] = await Promise.all([
        call("PATCH", name, patchBody(f, { defaultTTL: "2h", metadata: [{ key: "k", value: "v" }] })),
        call("DELETE", name, deleteBody),
        call("PATCH", name, patchBody(f, { inputs: { secret: "NEWSECRETNEWSECR" } })),
      ]);
      expect(del.status).toBe(200);
      expect([200, 404]).toContain(patch.status);
      expect([200, 404]).toContain(patch2.status);
      for (const p of [patch, patch2]) {
        if (p.status === 404) expect(p.body).toEqual(envelope(404, "NotFound", `Dynamic secret with name '${name}' in folder '/' not found`));
      }
      expect(await row(name)).toBeUndefined();
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM resource_metadata WHERE dynamic_secret_id IS NOT NULL
      AND dynamic_secret_id NOT IN (SELECT id FROM dynamic_secrets)`.execute(t.testDb.db);
    expect(rows[0]!.n).toBe(0);
  });
});
