import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDb, usingRealPostgres, type TestDb } from "../../support/db.js";

// Marked statement texts (db/client.ts PREPARED_MARK) run as named prepared statements: one name
// per distinct text, so a text seen again reuses its statement, and another text under the same
// label gets a name of its own (pg refuses one name for two texts).

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.destroy());

test.runIf(usingRealPostgres())("texts built afresh per call reuse their statement; two texts under one label stay apart", async () => {
  const bodies = ["SELECT $1::int + 1 AS v", "SELECT $1::int * 10 AS v"];
  for (let i = 0; i < 20; i += 1) {
    const text = ["/*prepared:label_test*/ ", bodies[i % 2]].join(""); // a new string each call, as Kysely builds them
    const { rows } = await db.db.executeQuery<{ v: number }>(CompiledQuery.raw(text, [i]));
    expect(rows[0]!.v).toBe(i % 2 ? i * 10 : i + 1);
  }
  // Sequential queries take the same idle connection again: it holds each text once, under two names.
  const { rows } = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(db.db);
  const mine = rows.filter((row) => row.name.startsWith("label_test_"));
  expect(mine).toHaveLength(2);
  expect(new Set(mine.map((row) => row.name)).size).toBe(2);
});
