import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createFixture, type Fixture, patchBody, SQL_INPUTS } from "../../support/factories.js";

// Provider secrets never reach a log line, an error message, an audit row or a database column in
// clear — through successful writes, validation failures, connection failures and a 500.

const SECRET = "s3cr3t-Do-Not-Leak-7f3a";
let t: DsTestApp;
let f: Fixture;
let logs = "";

beforeAll(async () => {
  t = await buildDsTestApp({ captureLogs: (line) => (logs += line) });
  f = await createFixture(t, "secrecy");
});
afterAll(async () => t?.close());

test("a secret sent in create and PATCH bodies appears nowhere but the encrypted column and the caller's own responses", async () => {
  const send = (method: "POST" | "PATCH", url: string, payload: object) => t.app.inject({ method, url, headers: auth(f.admin), payload });
  const created = await send("POST", "/api/v1/dynamic-secrets", {
    projectSlug: f.project.slug,
    environmentSlug: "dev",
    name: "leak-check",
    provider: { type: "fake-sql", inputs: { ...SQL_INPUTS, password: SECRET } },
    defaultTTL: "1h",
    maxTTL: "24h",
  });
  expect(created.statusCode).toBe(200);
  const statuses: number[] = [];
  for (const data of [
    { inputs: { password: `${SECRET}-2` } }, // 200
    { inputs: { password: `${SECRET}-3`, port: "x" } }, // 422 from the provider schema
    { inputs: { password: `${SECRET}-4`, host: "down" } }, // 400 from the connection test
    { inputs: { password: `${SECRET}-5` }, defaultTTL: "48h" }, // 400 D10
    { inputs: { password: `${SECRET}-6` }, usernameTemplate: "{{" }, // 422 body schema
  ]) {
    const res = await send("PATCH", "/api/v1/dynamic-secrets/leak-check", patchBody(f, data));
    statuses.push(res.statusCode);
    if (res.statusCode !== 200) expect(res.body).not.toContain(SECRET);
  }
  expect(statuses).toEqual([200, 422, 400, 400, 422]);

  // A 500: the ciphertext no longer authenticates.
  await sql`UPDATE dynamic_secrets SET encrypted_input = overlay(encrypted_input placing '\\x00'::bytea from 40 for 1)`.execute(t.testDb.db);
  const broken = await send("PATCH", "/api/v1/dynamic-secrets/leak-check", patchBody(f, { inputs: { password: `${SECRET}-7` } }));
  expect(broken.statusCode).toBe(500);
  expect(broken.body).not.toContain(SECRET);

  expect(logs.length).toBeGreaterThan(0);
  expect(logs).toContain("Decryption failed"); // the 500 was logged…
  expect(logs).not.toContain(SECRET); // …without any secret

  const { rows: audit } = await sql<{ row: string }>`SELECT row_to_json(a)::text AS row FROM audit_logs a`.execute(t.testDb.db);
  expect(audit.length).toBeGreaterThan(0);
  for (const { row } of audit) expect(row).not.toContain(SECRET);
  const { rows: secrets } = await sql<{ row: string }>`SELECT row_to_json(d)::text AS row FROM dynamic_secrets d`.execute(t.testDb.db);
  for (const { row } of secrets) expect(row).not.toContain(SECRET);
  const { rows: escaped } = await sql<{ text: string }>`SELECT encode(encrypted_input, 'escape') AS text FROM dynamic_secrets`.execute(t.testDb.db);
  for (const { text } of escaped) expect(text).not.toContain(SECRET);
});
