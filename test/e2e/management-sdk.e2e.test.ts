import { InfisicalSDK } from "@infisical/sdk";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";

// The official @infisical/sdk 5.0.2, unchanged, over real HTTP, around the management routes: what
// the SDK creates and lists, plain HTTP reads back, renames and deletes (the SDK has no such calls).
let t: TestApp;
let siteUrl: string;

beforeAll(async () => {
  t = await buildTestApp();
  siteUrl = await listenOnLoopback(t.app);
});
afterAll(async () => t.close());

async function http(method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`${siteUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

test("@infisical/sdk: projects, environments and folders it creates can be read, renamed, listed and deleted", async () => {
  const boot = await http("POST", "/api/v1/admin/bootstrap", undefined, { email: "admin@example.com", password: "correct horse", organization: "mgmt" });
  const adminToken: string = boot.body.identity.credentials.token;
  const orgId: string = boot.body.organization.id;
  const { body: created } = await http("POST", "/api/v1/identities", adminToken, { name: "sdk-admin", organizationId: orgId, role: "admin" });
  const identityId: string = created.identity.id;
  const { body: ua } = await http("POST", `/api/v1/auth/universal-auth/identities/${identityId}`, adminToken, { lockoutEnabled: false });
  const { body: secret } = await http("POST", `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`, adminToken, {});

  const sdk = new InfisicalSDK({ siteUrl });
  await sdk.auth().universalAuth.login({ clientId: ua.identityUniversalAuth.clientId, clientSecret: secret.clientSecret });
  const token = sdk.auth().getAccessToken()!;

  const project = await sdk.projects().create({ projectName: "Managed", type: "secret-manager", slug: "managed" });
  const environment = await sdk.environments().create({ name: "QA", slug: "qa", projectId: project.id });
  await sdk.folders().create({ name: "app", path: "/", projectId: project.id, environment: "qa" });
  const folder = await sdk.folders().create({ name: "db", path: "/app", projectId: project.id, environment: "qa" });

  // Read back as Terraform does, with the environment list in the project body.
  const read = await http("GET", `/api/v1/workspace/${project.id}`, token);
  expect(read.status).toBe(200);
  expect(read.body.project.environments.map((e: { slug: string }) => e.slug)).toEqual(["dev", "staging", "prod", "qa"]);
  expect((await http("GET", "/api/v1/workspace", token)).body.projects.map((p: { id: string }) => p.id)).toEqual([project.id]);

  // Rename the environment and the folder; the SDK's listing follows.
  expect((await http("PATCH", `/api/v1/workspace/${project.id}/environments/${environment.id}`, token, { slug: "qa2" })).status).toBe(200);
  expect((await http("PATCH", `/api/v1/folders/${folder.id}`, token, { workspaceId: project.id, environment: "qa2", path: "/app", name: "database" })).status).toBe(200);
  const listed = await sdk.folders().listFolders({ projectId: project.id, environment: "qa2", path: "/app" });
  expect(listed.map((f) => f.name)).toEqual(["database"]);

  // Delete the folder, then the project: the SDK's calls on it now answer 404.
  expect((await http("DELETE", `/api/v1/folders/database`, token, { workspaceId: project.id, environment: "qa2", path: "/app" })).status).toBe(200);
  expect(await sdk.folders().listFolders({ projectId: project.id, environment: "qa2", path: "/app" })).toEqual([]);
  const deleted = await http("DELETE", `/api/v1/workspace/${project.id}`, token);
  expect(deleted.body.project).toMatchObject({ id: project.id, slug: "managed" });
  await expect(sdk.folders().listFolders({ projectId: project.id, environment: "qa2", path: "/" })).rejects.toThrow(/StatusCode=404/);
  await expect(sdk.environments().create({ name: "X", slug: "x", projectId: project.id })).rejects.toThrow(/StatusCode=404/);

  // Revoking the identity's tokens ends the SDK's session on its next call.
  expect((await http("POST", `/api/v1/identities/${identityId}/revoke-access-tokens`, adminToken)).body.revokedCount).toBe(1);
  await expect(sdk.projects().create({ projectName: "Again", type: "secret-manager" })).rejects.toThrow(/StatusCode=401/);
}, 60_000);
