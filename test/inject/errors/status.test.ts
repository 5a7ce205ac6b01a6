import { afterAll, beforeAll, expect, test } from "vitest";
import { buildApp } from "../../../src/app.js";
import { loadConfig } from "../../../src/config.js";
import { createContainer } from "../../../src/container.js";
import { createPostgresDb } from "../../../src/db/client.js";
import { buildTestApp, TEST_AUTH_SECRET, TEST_ROOT_KEY, type TestApp } from "../../support/app.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

test("GET /api/status answers 200 Ok when the database answers", async () => {
  const res = await t.app.inject({ method: "GET", url: "/api/status" });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({
    date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    message: "Ok",
    database: "ok",
    emailConfigured: false,
    inviteOnlySignup: false,
    redisConfigured: false,
    secretScanningConfigured: false,
    auditLogStorageDisabled: false,
  });
});

test("GET /api/status answers a 503 envelope when the database does not", async () => {
  const url = "postgres://postgres@127.0.0.1:1/unreachable";
  const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: url, ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY, AUTH_SECRET: TEST_AUTH_SECRET, RATE_LIMIT_ENABLED: "false" });
  const handle = createPostgresDb(url, 1);
  const app = await buildApp({ container: createContainer({ config, db: handle.db }) });
  try {
    const res = await app.inject({ method: "GET", url: "/api/status" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      reqId: expect.stringMatching(/^req-[0-9A-Za-z]{14}$/),
      statusCode: 503,
      message: "The database is unavailable; try again shortly",
      error: "ServiceUnavailable",
    });
  } finally {
    await app.close();
    await handle.db.destroy();
  }
});
