import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../support/app.js";
import { assertMatchesContract } from "../inject/openapi/contract.js";

// The README walk-through over real HTTP: bootstrap → project → folder → machine identity with
// Universal Auth → login → create → PATCH (If-Match, ETag) → GET → audit log. Real sockets,
// real fetch, a real Bearer token from the login route.

let t: TestApp;
let base: string;
type Json = Record<string, any>;

async function http(method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Json;
  if (method === "PATCH" && path.startsWith("/api/v1/dynamic-secrets/")) assertMatchesContract(res.status, json);
  return { status: res.status, body: json, headers: res.headers };
}

async function ok(method: string, path: string, body?: unknown, token?: string): Promise<Json> {
  const res = await http(method, path, body, token);
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

let admin: string;
let member: string;
let memberId: string;
let projectId: string;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;

  const boot = await ok("POST", "/api/v1/admin/bootstrap", { email: "admin@example.com", password: "change-me-please", organization: "acme" });
  admin = boot.identity.credentials.token;
  const orgId: string = boot.organization.id;
  projectId = (await ok("POST", "/api/v2/workspace", { projectName: "ds-proj", slug: "ds-proj" }, admin)).project.id;
  await ok("POST", "/api/v1/folders", { workspaceId: projectId, environment: "dev", name: "app", path: "/" }, admin);

  memberId = (await ok("POST", "/api/v1/identities", { name: "ds-editor-bot", organizationId: orgId }, admin)).identity.id;
  const ua = await ok("POST", `/api/v1/auth/universal-auth/identities/${memberId}`, { lockoutEnabled: false }, admin);
  const secret = await ok("POST", `/api/v1/auth/universal-auth/identities/${memberId}/client-secrets`, {}, admin);
  await ok("POST", `/api/v2/workspace/${projectId}/identity-memberships/${memberId}`, { roles: [{ role: "member", isTemporary: false }] }, admin);
  member = (await ok("POST", "/api/v1/auth/universal-auth/login", { clientId: ua.identityUniversalAuth.clientId, clientSecret: secret.clientSecret })).accessToken;

  await ok(
    "POST",
    "/api/v1/dynamic-secrets",
    {
      projectSlug: "ds-proj",
      environmentSlug: "dev",
      path: "/app",
      name: "totp-app",
      provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
      defaultTTL: "1h",
      maxTTL: "24h",
      metadata: [{ key: "team", value: "a" }],
    },
    admin,
  );
});
afterAll(async () => t?.close());

const locator = { projectSlug: "ds-proj", environmentSlug: "dev", path: "/app" };

describe("PATCH over HTTP", () => {
  test("a member updates TTL and inputs; version, ETag, body and audit row follow", async () => {
    const res = await http("PATCH", "/api/v1/dynamic-secrets/totp-app", { ...locator, data: { defaultTTL: "2h", inputs: { digits: 8 } } }, member);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"2"');
    expect(res.headers.get("x-request-id")).toMatch(/^req-[0-9A-Za-z]{14}$/);
    expect(res.body.dynamicSecret).toMatchObject({
      name: "totp-app",
      version: 2,
      defaultTTL: "2h",
      maxTTL: "24h",
      metadata: [{ key: "team", value: "a" }],
      inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP", digits: 8 },
    });

    const logs = await ok(
      "GET",
      `/api/v1/organization/audit-logs?projectId=${projectId}&eventType=update-dynamic-secret&eventMetadata=${encodeURIComponent("dynamicSecretName=totp-app")}`,
      undefined,
      admin,
    );
    expect(logs.auditLogs[0]).toMatchObject({
      event: { type: "update-dynamic-secret", metadata: { secretPath: "/app", environment: "dev", updatedFields: ["defaultTTL", "digits"] } },
      actor: { type: "identity", metadata: { identityId: memberId } },
    });
  });

  test("If-Match with a stale version → 412; with the current one → 200", async () => {
    const current = await http("GET", "/api/v1/dynamic-secrets/totp-app?projectSlug=ds-proj&environmentSlug=dev&path=/app", undefined, admin);
    const etag = current.headers.get("etag")!;
    const stale = await http("PATCH", "/api/v1/dynamic-secrets/totp-app", { ...locator, data: { maxTTL: "48h" } }, member, { "if-match": '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ statusCode: 412, error: "PreconditionFailed" });
    const fresh = await http("PATCH", "/api/v1/dynamic-secrets/totp-app", { ...locator, data: { maxTTL: "48h" } }, member, { "if-match": etag });
    expect(fresh.status).toBe(200);
  });

  test("no token → 401 before anything else; malformed JSON with a token → 400", async () => {
    const noToken = await http("PATCH", "/api/v1/dynamic-secrets/totp-app", { nonsense: true });
    expect(noToken.body).toMatchObject({ statusCode: 401, message: "Token missing", error: "UnauthorizedError" });
    const res = await fetch(`${base}/api/v1/dynamic-secrets/totp-app`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${member}`, "content-type": "application/json" },
      body: '{"projectSlug":',
    });
    expect(res.status).toBe(400);
  });

  test("concurrent partial PATCHes from one client over keep-alive connections all land", async () => {
    const before = (await http("GET", "/api/v1/dynamic-secrets/totp-app?projectSlug=ds-proj&environmentSlug=dev&path=/app", undefined, admin)).body
      .dynamicSecret.version as number;
    const results = await Promise.all(
      ["sha1", "sha256", "sha512"].map((algorithm, i) =>
        http("PATCH", "/api/v1/dynamic-secrets/totp-app", { ...locator, data: i === 0 ? { inputs: { algorithm } } : { defaultTTL: `${i + 2}h` } }, member),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const after = (await http("GET", "/api/v1/dynamic-secrets/totp-app?projectSlug=ds-proj&environmentSlug=dev&path=/app", undefined, admin)).body.dynamicSecret;
    expect(after.version).toBe(before + 3);
    expect(after.inputs.algorithm).toBe("sha1");
  });
});
