import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";

// A real server on an ephemeral port, driven with fetch the way a client would:
// bootstrap → identity → Universal Auth → client secret → login → authenticated call.
// Every log line of the run is captured and must not contain a secret.

let t: TestApp;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  t = await buildTestApp({ captureLogs: (line) => logLines.push(line) });
  base = await listenOnLoopback(t.app);
});
afterAll(async () => t.close());

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
}

test("bootstrap → identity → UA → client secret → login → authenticated call", async () => {
  const password = "e2e-password-never-logged";
  const boot = await call("POST", "/api/v1/admin/bootstrap", { email: "ops@example.com", password, organization: "E2E Org" });
  expect(boot.status).toBe(200);
  const adminToken: string = boot.json.identity.credentials.token;
  const orgId: string = boot.json.organization.id;

  const identity = await call("POST", "/api/v1/identities", { name: "ci-bot", organizationId: orgId }, adminToken);
  expect(identity.status).toBe(200);
  expect(identity.json.identity).toMatchObject({ name: "ci-bot", orgId, authMethods: [], metadata: [] });
  const identityId: string = identity.json.identity.id;

  const ua = await call("POST", `/api/v1/auth/universal-auth/identities/${identityId}`, { accessTokenTTL: 600 }, adminToken);
  expect(ua.status).toBe(200);
  const secret = await call("POST", `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`, { description: "e2e" }, adminToken);
  expect(secret.status).toBe(200);

  const login = await call("POST", "/api/v1/auth/universal-auth/login", {
    clientId: ua.json.identityUniversalAuth.clientId,
    clientSecret: secret.json.clientSecret,
  });
  expect(login.status).toBe(200);
  expect(login.json).toEqual({ accessToken: expect.any(String), expiresIn: 600, accessTokenMaxTTL: 2592000, tokenType: "Bearer" });
  const token: string = login.json.accessToken;

  // The new identity is org no-access: it cannot create projects, but it is authenticated.
  const denied = await call("POST", "/api/v2/workspace", { projectName: "nope" }, token);
  expect(denied.status).toBe(403);
  expect(denied.json).toEqual({
    reqId: expect.stringMatching(/^req-[0-9A-Za-z]{14}$/),
    statusCode: 403,
    message: "You don't have permission to create a project",
    error: "ForbiddenError",
  });

  // The admin makes a project and adds the identity as member; the identity then works in it.
  const project = await call("POST", "/api/v2/workspace", { projectName: "E2E", slug: "e2e-project" }, adminToken);
  expect(project.status).toBe(200);
  const projectId: string = project.json.project.id;
  const membership = await call(
    "POST",
    `/api/v2/workspace/${projectId}/identity-memberships/${identityId}`,
    { roles: [{ role: "member", isTemporary: false }] },
    adminToken,
  );
  expect(membership.status).toBe(200);
  const folder = await call("POST", "/api/v1/folders", { workspaceId: projectId, environment: "dev", name: "app" }, token);
  expect(folder.status).toBe(200);
  expect(folder.json.folder).toMatchObject({ name: "app", parentId: expect.any(String) });

  const missing = await call("POST", "/api/v1/folders", { workspaceId: projectId, environment: "dev", name: "x" });
  expect(missing.status).toBe(401);
  expect(missing.json).toMatchObject({ statusCode: 401, message: "Token missing", error: "UnauthorizedError" });

  const revoked = await call("POST", "/api/v1/auth/token/revoke", { accessToken: token });
  expect(revoked.json).toEqual({ message: "Successfully revoked access token" });
  const after = await call("POST", "/api/v1/folders", { workspaceId: projectId, environment: "dev", name: "later" }, token);
  expect(after.status).toBe(401);

  const logs = logLines.join("\n");
  expect(logs).toContain("incoming request");
  for (const needle of [password, adminToken, token, secret.json.clientSecret]) expect(logs).not.toContain(needle);
});
