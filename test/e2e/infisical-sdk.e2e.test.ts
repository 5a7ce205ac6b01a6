import { DynamicSecretProviders, InfisicalSDK } from "@infisical/sdk";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";

// The official Infisical Node SDK, unchanged, pointed at this server over real HTTP.
let t: TestApp;
let siteUrl: string;

beforeAll(async () => {
  t = await buildTestApp();
  siteUrl = await listenOnLoopback(t.app);
});
afterAll(async () => t.close());

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${siteUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return res.json() as Promise<any>;
}

test("@infisical/sdk: universal-auth login, project, environment, folder, dynamic secret create/delete, lease create/renew/delete; PATCH over plain HTTP", async () => {
  const boot = await post("/api/v1/admin/bootstrap", { email: "admin@example.com", password: "correct horse", organization: "sdk-org" });
  const adminToken: string = boot.identity.credentials.token;
  const orgId: string = boot.organization.id;

  // A second identity with Universal Auth, logged in through the SDK.
  const { identity } = await post("/api/v1/identities", { name: "sdk-bot", organizationId: orgId, role: "admin" }, adminToken);
  const { identityUniversalAuth } = await post(`/api/v1/auth/universal-auth/identities/${identity.id}`, { lockoutEnabled: false }, adminToken);
  const { clientSecret } = await post(`/api/v1/auth/universal-auth/identities/${identity.id}/client-secrets`, {}, adminToken);

  const sdk = new InfisicalSDK({ siteUrl });
  await sdk.auth().universalAuth.login({ clientId: identityUniversalAuth.clientId, clientSecret });
  expect(sdk.auth().getAccessToken()).toMatch(/^ey/);

  const project = await sdk.projects().create({ projectName: "SDK project", type: "secret-manager", slug: "sdk-project" });
  expect(project).toMatchObject({ name: "SDK project", slug: "sdk-project" });

  const environment = await sdk.environments().create({ name: "QA", slug: "qa", projectId: project.id });
  expect(environment).toMatchObject({ name: "QA", slug: "qa" });

  const folder = await sdk.folders().create({ name: "app", path: "/", projectId: project.id, environment: "qa" });
  expect(folder).toMatchObject({ name: "app" });

  const created = await sdk.dynamicSecrets().create({
    name: "sdk-totp",
    projectSlug: "sdk-project",
    environmentSlug: "qa",
    path: "/app",
    defaultTTL: "1h",
    maxTTL: "24h",
    provider: { type: DynamicSecretProviders.Totp, inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } } as any,
  });
  expect(created).toMatchObject({ name: "sdk-totp", type: "totp", version: 1, defaultTTL: "1h", maxTTL: "24h" });

  // The SDK has no update call: PATCH with plain HTTP and the SDK's own token.
  const patched = await fetch(`${siteUrl}/api/v1/dynamic-secrets/sdk-totp`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${sdk.auth().getAccessToken()}` },
    body: JSON.stringify({ projectSlug: "sdk-project", environmentSlug: "qa", path: "/app", data: { defaultTTL: "2h", newName: "sdk-totp-2" } }),
  });
  expect(patched.status).toBe(200);
  expect(patched.headers.get("etag")).toBe('"2"');
  expect((await patched.json()).dynamicSecret).toMatchObject({ name: "sdk-totp-2", version: 2, defaultTTL: "2h" });

  // Leases (L50): create, renew and delete through the SDK; it returns our bodies unchanged.
  const where = { projectSlug: "sdk-project", environmentSlug: "qa", path: "/app" };
  const leased: any = await sdk.dynamicSecrets().leases.create({ dynamicSecretName: "sdk-totp-2", ...where, ttl: "5m" });
  expect(leased.data.TOTP).toMatch(/^\d{6}$/);
  expect(leased.lease).toMatchObject({ version: 1, status: null });
  const renewedLease: any = await sdk.dynamicSecrets().leases.renew(leased.lease.id, { ...where, ttl: "1m" });
  expect(new Date(renewedLease.lease.expireAt).getTime() - new Date(leased.lease.expireAt).getTime()).toBe(60_000);
  const revokedLease: any = await sdk.dynamicSecrets().leases.delete(leased.lease.id, where);
  expect(revokedLease.lease.id).toBe(leased.lease.id);
  await expect(sdk.dynamicSecrets().leases.renew(leased.lease.id, where)).rejects.toThrow(/StatusCode=404.*Dynamic secret lease with ID/);

  const deleted = await sdk.dynamicSecrets().delete("sdk-totp-2", { projectSlug: "sdk-project", environmentSlug: "qa", path: "/app" });
  expect(deleted).toMatchObject({ name: "sdk-totp-2" });

  // SDK errors carry our envelope's message.
  await expect(
    sdk.dynamicSecrets().delete("sdk-totp-2", { projectSlug: "sdk-project", environmentSlug: "qa", path: "/app" }),
  ).rejects.toThrow(/StatusCode=404.*Dynamic secret with name 'sdk-totp-2'/);
}, 60_000);
