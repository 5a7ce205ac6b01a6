import jwt from "jsonwebtoken";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { bearer, bootstrapInstance, createIdentityWithToken, createProject, type BootstrappedInstance } from "../../support/factories.js";

// auth.plugin gives each route with `config.auth` its hook when the route is registered. A route
// registered again from the same options — the HEAD twin of a GET, a project path alias — must
// authenticate once per request like any other: every request counts one use of a token.

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await bootstrapInstance(t.app);
  projectId = (await createProject(t.app, admin.token, { slug: "hooks-proj" })).id;
});
afterAll(async () => t.close());

const usesOf = async (token: string) =>
  (
    await t.container.db
      .selectFrom("identity_access_tokens")
      .select("access_token_num_uses")
      .where("id", "=", (jwt.decode(token) as { identityAccessTokenId: string }).identityAccessTokenId)
      .executeTakeFirstOrThrow()
  ).access_token_num_uses;

test("a GET, its HEAD twin and their path alias each count one use of the token; public routes none", async () => {
  const m = await createIdentityWithToken(t.app, admin.token, {
    orgId: admin.orgId,
    projectId,
    roles: ["admin"],
    universalAuth: { accessTokenNumUsesLimit: 10 },
  });
  const requests = [
    { method: "GET", url: `/api/v1/workspace/${projectId}` },
    { method: "HEAD", url: `/api/v1/workspace/${projectId}` },
    { method: "GET", url: `/api/v1/projects/${projectId}` },
    { method: "HEAD", url: `/api/v1/projects/${projectId}` },
  ] as const;
  for (const [i, request] of requests.entries()) {
    const response = await t.app.inject({ ...request, headers: bearer(m.token) });
    expect(response.statusCode, `${request.method} ${request.url}`).toBe(200);
    expect(await usesOf(m.token)).toBe(i + 1);
  }
  // Without a token, the protected ones refuse and the public one answers.
  expect((await t.app.inject({ method: "GET", url: `/api/v1/projects/${projectId}` })).statusCode).toBe(401);
  expect((await t.app.inject({ method: "HEAD", url: `/api/v1/workspace/${projectId}` })).statusCode).toBe(401);
  expect((await t.app.inject({ method: "GET", url: "/api/status", headers: bearer(m.token) })).statusCode).toBe(200);
  expect(await usesOf(m.token)).toBe(requests.length);
});
