import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { canonicalJson } from "../../../src/dynamic-secrets/patch.js";
import { defineProvider } from "../../../src/dynamic-secrets/providers/provider.js";
import { builtinProviders, createProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { createTestDb, type TestDb } from "../../support/db.js";
import { assertMatchesContract } from "../openapi/contract.js";
import { createDynamicSecret, createFixture, type Fixture, patchBody } from "../../support/factories.js";

// The update pipeline when another process writes the row while this PATCH tests its inputs
// (D2, D5, D7, D17): the write applies nothing, the PATCH plans again from the row as it now is,
// and tests again only when the merged inputs differ from those it tested. A "held" connection
// test makes the interleaving exact: the other process writes while the first PATCH waits.

/** "held-kv": any keys; a connection test of inputs with `hold` waits until the test releases it. */
function createHeldKvProvider(tested: string[], gate: Gate) {
  return defineProvider({
    type: "held-kv",
    inputsSchema: z.record(z.string(), z.union([z.string(), z.number()])),
    secretFields: [],
    async validateConnection(inputs) {
      tested.push(canonicalJson(inputs));
      if ("hold" in inputs) await gate.wait();
    },
  });
}

class Gate {
  private opened!: () => void;
  private open = new Promise<void>((resolve) => (this.opened = resolve));
  private reached!: () => void;
  /** Resolves when a connection test is waiting at the gate. */
  waiting = new Promise<void>((resolve) => (this.reached = resolve));
  async wait() {
    this.reached();
    await this.open;
  }
  release() {
    this.opened();
  }
}

let testDb: TestDb;
let gate: Gate;
const tested: string[] = [];
let first: TestApp; // this process
let other: TestApp; // another process on the same database
let f: Fixture;

/** An app on the file's database (closing it leaves the database open). */
function buildApp(): Promise<TestApp> {
  const providers = createProviderRegistry([...builtinProviders, createHeldKvProvider(tested, { wait: () => gate.wait() } as Gate)]);
  return buildTestApp({ testDb, providers });
}

beforeAll(async () => {
  testDb = await createTestDb();
  first = await buildApp();
  other = await buildApp();
  f = await createFixture(first, "replan");
});
afterAll(async () => {
  await first?.close();
  await other?.close();
  await testDb?.destroy();
});

async function patch(t: TestApp, name: string, data: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: "PATCH",
    url: `/api/v1/dynamic-secrets/${name}`,
    headers: { authorization: `Bearer ${f.admin.token}`, ...headers },
    payload: patchBody(f, data),
  });
  assertMatchesContract(res.statusCode, res.json());
  return { status: res.statusCode, body: res.json() };
}

const row = (name: string) => testDb.db.selectFrom("dynamic_secrets").selectAll().where("name", "=", name).executeTakeFirst();
const rowById = (id: string) => testDb.db.selectFrom("dynamic_secrets").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

async function storedInputs(name: string) {
  const r = await row(name);
  return (await first.container.kmsService.forProject(f.project.id)).decryptJson(r!.encrypted_input) as Record<string, unknown>;
}

/** Starts a PATCH whose connection test is held; resolves (to its answer, wrapped) once it waits at the gate. */
async function heldPatch(name: string, data: Record<string, unknown>, headers?: Record<string, string>) {
  gate = new Gate();
  const answer = patch(first, name, data, headers);
  await gate.waiting;
  return { answer };
}

async function auditedFields(name: string) {
  const { rows } = await sql<{ fields: string[] }>`
    SELECT event_metadata->'updatedFields' AS fields FROM audit_logs
    WHERE event_type = 'update-dynamic-secret' AND event_metadata->>'dynamicSecretId' = ${(await row(name))?.id ?? null}
    ORDER BY created_at`.execute(testDb.db);
  return rows.map((r) => r.fields);
}

describe("another process writes while a PATCH tests its inputs", () => {
  test("it changed the inputs too: the PATCH merges onto them, tests the new merge, and both changes survive", async () => {
    await createDynamicSecret(first, f, "both-inputs", { provider: { type: "held-kv", inputs: { base: "x" } } });
    tested.length = 0;
    const { answer: held } = await heldPatch("both-inputs", { inputs: { hold: 1 } });
    expect((await patch(other, "both-inputs", { inputs: { port: 2 } })).status).toBe(200);
    gate.release();
    const result = await held;
    expect(result.status).toBe(200);
    expect(result.body.dynamicSecret.version).toBe(3);
    expect(result.body.dynamicSecret.inputs).toEqual({ base: "x", port: 2, hold: 1 });
    expect(await storedInputs("both-inputs")).toEqual({ base: "x", port: 2, hold: 1 });
    // Tested: its first merge, the other's change, then its merge onto the other's (what was stored).
    expect(tested).toEqual([canonicalJson({ base: "x", hold: 1 }), canonicalJson({ base: "x", port: 2 }), canonicalJson({ base: "x", hold: 1, port: 2 })]);
    expect(await auditedFields("both-inputs")).toEqual([["port"], ["hold"]]);
  });

  test("it changed only the TTL: the tested merge still stands, so no second test; both changes survive", async () => {
    await createDynamicSecret(first, f, "ttl-meanwhile", { provider: { type: "held-kv", inputs: { base: "x" } }, maxTTL: null });
    tested.length = 0;
    const { answer: held } = await heldPatch("ttl-meanwhile", { inputs: { hold: 1 } });
    expect((await patch(other, "ttl-meanwhile", { defaultTTL: "3h" })).status).toBe(200);
    gate.release();
    const result = await held;
    expect(result.status).toBe(200);
    expect(result.body.dynamicSecret).toMatchObject({ version: 3, defaultTTL: "3h", inputs: { base: "x", hold: 1 } });
    expect(tested).toEqual([canonicalJson({ base: "x", hold: 1 })]);
    expect(await auditedFields("ttl-meanwhile")).toEqual([["defaultTTL"], ["hold"]]);
  });

  test("it renamed the secret: 404 (D5), and nothing of this PATCH is written", async () => {
    await createDynamicSecret(first, f, "renamed-meanwhile", { provider: { type: "held-kv", inputs: { base: "x" } } });
    const id = (await row("renamed-meanwhile"))!.id;
    const { answer: held } = await heldPatch("renamed-meanwhile", { inputs: { hold: 1 } });
    expect((await patch(other, "renamed-meanwhile", { newName: "renamed-away" })).status).toBe(200);
    gate.release();
    const result = await held;
    expect(result.status).toBe(404);
    expect(result.body.message).toBe("Dynamic secret with name 'renamed-meanwhile' in folder '/' not found");
    expect(await rowById(id)).toMatchObject({ name: "renamed-away", version: 2 });
    expect(await storedInputs("renamed-away")).toEqual({ base: "x" });
  });

  test("its deletion began (leases being revoked): 400 being deleted (D7), and nothing is written", async () => {
    await createDynamicSecret(first, f, "deleting-meanwhile", { provider: { type: "held-kv", inputs: { base: "x" } } });
    const { answer: held } = await heldPatch("deleting-meanwhile", { inputs: { hold: 1 } });
    // What a DELETE of a secret with leases does: the status moves, the version does not.
    await testDb.db.updateTable("dynamic_secrets").set({ status: "Revocation in process" }).where("name", "=", "deleting-meanwhile").execute();
    gate.release();
    const result = await held;
    expect(result.status).toBe(400);
    expect(result.body.message).toBe("Dynamic secret is being deleted");
    expect(await row("deleting-meanwhile")).toMatchObject({ version: 1, status: "Revocation in process" });
    expect(await storedInputs("deleting-meanwhile")).toEqual({ base: "x" });
  });

  test("with If-Match on the version it read: 412 once the row moved, and nothing of this PATCH is written", async () => {
    await createDynamicSecret(first, f, "if-match-meanwhile", { provider: { type: "held-kv", inputs: { base: "x" } }, maxTTL: null });
    const { answer: held } = await heldPatch("if-match-meanwhile", { inputs: { hold: 1 } }, { "if-match": '"1"' });
    expect((await patch(other, "if-match-meanwhile", { defaultTTL: "2h" })).status).toBe(200);
    gate.release();
    const result = await held;
    expect(result.status).toBe(412);
    expect(await row("if-match-meanwhile")).toMatchObject({ version: 2, default_ttl: "2h" });
    expect(await storedInputs("if-match-meanwhile")).toEqual({ base: "x" });
  });

  test("it was deleted: 404, no row, no audit of this PATCH", async () => {
    await createDynamicSecret(first, f, "deleted-meanwhile", { provider: { type: "held-kv", inputs: { base: "x" } } });
    const id = (await row("deleted-meanwhile"))!.id;
    const { answer: held } = await heldPatch("deleted-meanwhile", { inputs: { hold: 1 } });
    const del = await other.app.inject({
      method: "DELETE",
      url: "/api/v1/dynamic-secrets/deleted-meanwhile",
      headers: { authorization: `Bearer ${f.admin.token}` },
      payload: { projectSlug: f.project.slug, environmentSlug: "dev", path: "/" },
    });
    expect(del.statusCode).toBe(200);
    gate.release();
    expect((await held).status).toBe(404);
    const { rows } = await sql`SELECT 1 FROM audit_logs WHERE event_type = 'update-dynamic-secret' AND event_metadata->>'dynamicSecretId' = ${id}`.execute(testDb.db);
    expect(rows).toHaveLength(0);
  });
});

test("in one process, PATCHes of one secret take turns: the second plans from the first's row and is tested once", async () => {
  await createDynamicSecret(first, f, "turns", { provider: { type: "held-kv", inputs: { base: "x" } } });
  tested.length = 0;
  const { answer: held } = await heldPatch("turns", { inputs: { hold: 1 } });
  const second = patch(first, "turns", { inputs: { port: 2 } });
  gate.release();
  const [a, b] = await Promise.all([held, second]);
  expect([a.status, b.status]).toEqual([200, 200]);
  expect([a.body.dynamicSecret.version, b.body.dynamicSecret.version]).toEqual([2, 3]);
  expect(tested).toEqual([canonicalJson({ base: "x", hold: 1 }), canonicalJson({ base: "x", hold: 1, port: 2 })]);
  expect(await storedInputs("turns")).toEqual({ base: "x", hold: 1, port: 2 });
});
