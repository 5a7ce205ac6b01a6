import jwt from "jsonwebtoken";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, TEST_AUTH_SECRET, type TestApp } from "../../support/app.js";
import { bearer, bootstrapInstance, createIdentityWithToken, createProject } from "../../support/factories.js";

// Credentials of the auth routes — the bootstrap password, client secrets, access tokens, the
// signing key — never reach a log line (trace level), an error body, an audit row or a column.

const PASSWORD = "bootstrap-Pa55word-do-not-leak";
let t: TestApp;
let logs = "";
const bodies: string[] = [];

beforeAll(async () => {
  t = await buildTestApp({ captureLogs: (line) => (logs += line) });
});
afterAll(async () => t?.close());

async function send(method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  if (res.statusCode >= 300) bodies.push(res.body);
  return res;
}

/** Every row of every table, as text. */
async function databaseText(): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(t.testDb.db);
  let text = "";
  for (const { name } of rows) {
    const dump = await sql`SELECT * FROM ${sql.table(name)}`.execute(t.testDb.db);
    text += JSON.stringify(dump.rows);
  }
  return text;
}

test("credentials appear in no log line, error body, audit row or column", async () => {
  const admin = await bootstrapInstance(t.app, { password: PASSWORD });
  const project = await createProject(t.app, admin.token, { slug: "secrecy-proj" });
  const member = await createIdentityWithToken(t.app, admin.token, {
    orgId: admin.orgId,
    projectId: project.id,
    roles: ["member"],
    universalAuth: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400, lockoutEnabled: true },
  });
  const secrets: string[] = [PASSWORD, admin.token, member.clientSecret, member.token, TEST_AUTH_SECRET];

  // A second bootstrap, logins that fail in each way, malformed bodies that carry the secrets.
  await send("POST", "/api/v1/admin/bootstrap", { email: "admin@example.com", password: PASSWORD, organization: "again" });
  await send("POST", "/api/v1/admin/bootstrap", { email: 42, password: PASSWORD, organization: "again" });
  await send("POST", "/api/v1/auth/universal-auth/login", { clientId: member.clientId, clientSecret: `${member.clientSecret}x` });
  await send("POST", "/api/v1/auth/universal-auth/login", { clientId: "nope", clientSecret: member.clientSecret });
  await send("POST", "/api/v1/auth/universal-auth/login", { clientId: 1, clientSecret: member.clientSecret });
  await send("POST", "/api/v1/auth/universal-auth/login", { clientId: member.clientId, clientSecret: [member.clientSecret] });
  await send("POST", "/api/v1/auth/universal-auth/login", `{"clientId":"${member.clientId}","clientSecret":"${member.clientSecret}"`, {
    "content-type": "application/json",
  });
  const login = await send("POST", "/api/v1/auth/universal-auth/login", { clientId: member.clientId, clientSecret: member.clientSecret });
  expect(login.statusCode).toBe(200);
  const loginToken: string = login.json().accessToken;
  const renewed = await send("POST", "/api/v1/auth/token/renew", { accessToken: loginToken });
  expect(renewed.statusCode).toBe(200);
  const renewedToken: string = renewed.json().accessToken;
  secrets.push(loginToken, renewedToken);

  // A token signed with the right key but another algorithm, and one with a tampered signature.
  const claims = jwt.decode(loginToken) as Record<string, unknown>;
  const hs512 = jwt.sign(claims, TEST_AUTH_SECRET, { algorithm: "HS512" });
  secrets.push(hs512);
  for (const token of [hs512, `${renewedToken.slice(0, -2)}xx`, `${member.clientSecret}`]) {
    await send("POST", "/api/v1/folders", { workspaceId: project.id, environment: "dev", path: "/", name: "f" }, bearer(token));
    await send("POST", "/api/v1/auth/token/renew", { accessToken: token });
    await send("POST", "/api/v1/auth/token/revoke", { accessToken: token });
  }
  await send("POST", "/api/v1/auth/token/renew", { accessToken: 5, extra: loginToken });
  expect((await send("POST", "/api/v1/auth/token/revoke", { accessToken: loginToken })).statusCode).toBe(200);
  expect((await send("POST", "/api/v1/auth/token/revoke", { accessToken: loginToken })).statusCode).toBe(401);
  // Revoked: neither JWT of the row authenticates any more, nor renews.
  for (const token of [loginToken, renewedToken]) {
    const reuse = await send("POST", "/api/v1/folders", { workspaceId: project.id, environment: "dev", path: "/", name: "g" }, bearer(token));
    expect(reuse.json()).toEqual({ reqId: expect.any(String), statusCode: 401, message: "No identity access token found", error: "UnauthorizedError" });
    expect((await send("POST", "/api/v1/auth/token/renew", { accessToken: token })).statusCode).toBe(401);
  }
  // The signing key with another HMAC algorithm is still refused: the algorithm is pinned.
  const pinned = await send("POST", "/api/v1/folders", { workspaceId: project.id, environment: "dev", path: "/", name: "h" }, bearer(hs512));
  expect(pinned.json()).toEqual({
    reqId: expect.any(String),
    statusCode: 403,
    message: "The access token is signed with an invalid algorithm. Please provide a valid token and try again.",
    error: "TokenError",
  });
  // Another client secret: its plaintext is only in the creation response.
  const created = await send("POST", `/api/v1/auth/universal-auth/identities/${member.identityId}/client-secrets`, { description: "second" }, bearer(admin.token));
  secrets.push(created.json().clientSecret);

  expect(bodies.length).toBeGreaterThan(15);
  expect(logs.length).toBeGreaterThan(0);
  const stored = await databaseText();
  for (const secret of secrets) {
    expect(logs, "logs").not.toContain(secret);
    for (const body of bodies) expect(body, "error body").not.toContain(secret);
    expect(stored, "database").not.toContain(secret);
  }
  // Nor any recognizable piece of them: JWT signatures, the secret's tail.
  for (const token of [admin.token, member.token, loginToken, renewedToken]) {
    const signature = token.split(".")[2]!;
    expect(logs).not.toContain(signature);
    expect(stored).not.toContain(signature);
  }
  expect(stored).not.toContain(member.clientSecret.slice(4));
});
