import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort, startFakeHttp, type FakeHttpServer } from "../../support/fake-http.js";
import { connect, failureMessage, testCtx } from "./context.js";

// Providers whose API URL is part of the inputs, pointed at a loopback fake that answers as the
// real API does.

let fake: FakeHttpServer;
let unused: number;
beforeAll(async () => {
  fake = await startFakeHttp();
  unused = await closedPort();
});
afterAll(async () => {
  await fake.close();
});

describe("kubernetes (API server, token auth)", () => {
  beforeAll(() => {
    fake.route("GET /api", (req) =>
      req.headers.authorization === "Bearer cluster-token-1"
        ? { status: 200, body: { kind: "APIVersions", versions: ["v1"] } }
        : { status: 401, body: { kind: "Status", apiVersion: "v1", status: "Failure", message: "Unauthorized", code: 401 } },
    );
  });
  const K = () => ({
    credentialType: "dynamic",
    url: fake.url,
    clusterToken: "cluster-token-1",
    audiences: [],
    namespace: "default,apps",
    roleType: "role",
    role: "edit",
  });

  test("the token lists the API versions", async () => {
    await expect(connect("kubernetes", K())).resolves.toBeUndefined();
  });

  test("a wrong token → 401", async () => {
    expect(await failureMessage("kubernetes", { ...K(), clusterToken: "bad" })).toBe("Failed to connect with provider: Request failed with status code 401");
  });

  test("production mode refuses a loopback API server URL (§3.3)", async () => {
    expect(await failureMessage("kubernetes", K(), { ...testCtx, nodeEnv: "production" })).toBe("Local IPs not allowed as URL");
  });

  test.each([
    [{ namespace: "bad_ns" }, ["namespace"], "Must be a valid comma-separated list of namespace values"],
    [{ clusterToken: undefined }, ["clusterToken"], "When auth method is set to Token, a cluster token must be provided"],
    [{ authMethod: "gateway" }, ["gatewayId"], "When auth method is set to Gateway, a gateway or gateway pool must be selected"],
    [{ url: "ftp://x" }, ["url"], "Invalid URL. Must start with http:// or https:// (e.g. https://example.com)"],
  ])("schema rule %j → 422 at %j", async (patch, path, message) => {
    await expect(connect("kubernetes", { ...K(), ...patch })).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path, message })]),
    });
  });
});

describe("couchbase (Capella management API)", () => {
  beforeAll(() => {
    fake.route("GET /v4/organizations/org-1/projects/proj-1/clusters/cl-1", (req) =>
      req.headers.authorization === "Bearer capella-key"
        ? { status: 200, body: { id: "cl-1", name: "cluster" } }
        : { status: 401, body: { code: 1001, message: "Unauthorized" } },
    );
  });
  const CB = () => ({ url: fake.url, orgId: "org-1", projectId: "proj-1", clusterId: "cl-1", roles: ["read"], auth: { apiKey: "capella-key" } });

  test("reads the cluster with the API key", async () => {
    await expect(connect("couchbase", CB())).resolves.toBeUndefined();
  });

  test("an unknown cluster → 404", async () => {
    expect(await failureMessage("couchbase", { ...CB(), clusterId: "cl-2" })).toBe("Failed to connect with provider: Request failed with status code 404");
  });

  test("'*' cannot be combined with other bucket names", async () => {
    await expect(connect("couchbase", { ...CB(), buckets: "*,b1" })).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ message: "Cannot combine '*' with other bucket names" })]),
    });
  });
});

describe("milvus (REST v2)", () => {
  beforeAll(() => {
    fake.route("POST /v2/vectordb/users/describe", (req) =>
      // Milvus answers 200 with an application code.
      req.headers.authorization === "Bearer root:Milvus-pw"
        ? { status: 200, body: { code: 0, data: [] } }
        : { status: 200, body: { code: 1800, message: "user hasn't authenticated" } },
    );
  });
  const MV = () => ({ host: "http://127.0.0.1", port: fake.port, username: "root", password: "Milvus-pw" });

  test("describes the user with user:password as bearer token", async () => {
    await expect(connect("milvus", MV())).resolves.toBeUndefined();
  });

  test("bad credentials → Milvus's message with its own prefix", async () => {
    expect(await failureMessage("milvus", { ...MV(), password: "wrong" })).toBe("Failed to connect with Milvus: user hasn't authenticated");
  });

  test("unreachable", async () => {
    expect(await failureMessage("milvus", { ...MV(), port: unused })).toBe(`Failed to connect with Milvus: connect ECONNREFUSED 127.0.0.1:${unused}`);
  });
});

describe("ibm-api-connect (platform token)", () => {
  beforeAll(() => {
    fake.route("POST /api/token", (req) => {
      const body = JSON.parse(req.body) as Record<string, string>;
      return body.api_key === "ibm-key" && body.client_secret === "ibm-secret"
        ? { status: 200, body: { access_token: "t", token_type: "Bearer", expires_in: 28800 } }
        : { status: 401, body: { status: 401, message: ["Invalid credentials"] } };
    });
  });
  const IBM = () => ({
    clientId: "cid",
    clientSecret: "ibm-secret",
    instanceUrl: fake.url,
    apiKey: "ibm-key",
    orgId: "o",
    catalogId: "c",
    consumerOrgId: "co",
    appId: "a",
  });

  test("exchanges the API key for a token", async () => {
    await expect(connect("ibm-api-connect", IBM())).resolves.toBeUndefined();
  });

  test("a wrong API key → 401", async () => {
    expect(await failureMessage("ibm-api-connect", { ...IBM(), apiKey: "nope" })).toBe("Failed to connect with provider: Request failed with status code 401");
  });
});

describe("oauth2 (client credentials; token then revocation)", () => {
  const revoked: string[] = [];
  beforeAll(() => {
    fake.route("POST /oauth/token", (req) => {
      const form = new URLSearchParams(req.body);
      const basicOk = req.headers.authorization === `Basic ${Buffer.from("client-1:oauth-secret").toString("base64")}`;
      const postOk = form.get("client_id") === "client-1" && form.get("client_secret") === "oauth-secret";
      if (form.get("grant_type") !== "client_credentials" || !(basicOk || postOk)) return { status: 401, body: { error: "invalid_client" } };
      return { status: 200, body: { access_token: `tok-${form.get("scope") ?? "none"}`, token_type: "Bearer", expires_in: 3600 } };
    });
    fake.route("POST /oauth/revoke", (req) => {
      revoked.push(new URLSearchParams(req.body).get("token") ?? "");
      return { status: 200, body: "" };
    });
  });
  const O = () => ({
    tokenUrl: `${fake.url}/oauth/token`,
    revocationUrl: `${fake.url}/oauth/revoke`,
    clientId: "client-1",
    clientAuth: { method: "client-secret-basic", clientSecret: "oauth-secret" },
    scope: "read  write read",
  });

  test("client_secret_basic: a test token is issued and revoked again", async () => {
    await expect(connect("oauth2", O())).resolves.toBeUndefined();
    expect(revoked).toContain("tok-read write");
  });

  test("client_secret_post works too", async () => {
    await expect(connect("oauth2", { ...O(), clientAuth: { method: "client-secret-post", clientSecret: "oauth-secret" } })).resolves.toBeUndefined();
  });

  test("a wrong secret → 401", async () => {
    expect(await failureMessage("oauth2", { ...O(), clientAuth: { method: "client-secret-basic", clientSecret: "bad" } })).toBe(
      "Failed to connect with provider: Request failed with status code 401",
    );
  });

  test("production mode requires https for the token URL", async () => {
    expect(await failureMessage("oauth2", O(), { ...testCtx, nodeEnv: "production" })).toBe("Token URL must use https");
  });

  test.each([
    [{ scope: "read wr\"ite" }, "Scope contains invalid characters"],
    [{ extraParams: [{ key: "Client_Secret", value: "x" }] }, `"Client_Secret" can't be used as an extra parameter`],
    [{ extraParams: [{ key: "aud", value: "x" }, { key: "aud", value: "y" }] }, `"aud" is set more than once`],
  ])("schema rule %j → %s", async (patch, message) => {
    await expect(connect("oauth2", { ...O(), ...patch })).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ message })]),
    });
  });
});

describe("clickhouse (HTTP interface)", () => {
  beforeAll(() => {
    fake.route("GET /", (req) =>
      req.headers["x-clickhouse-user"] === "default" && req.headers["x-clickhouse-key"] === "ch-pass"
        ? { status: 200, body: "1\n" }
        : { status: 516, body: "Code: 516. DB::Exception: default: Authentication failed: password is incorrect. (AUTHENTICATION_FAILED)" },
    );
  });
  const CH = () => ({
    host: "127.0.0.1",
    port: fake.port,
    database: "default",
    username: "default",
    password: "ch-pass",
    creationStatement: "CREATE USER {{username}} IDENTIFIED BY '{{password}}'",
    revocationStatement: "DROP USER {{username}}",
  });

  test("SELECT 1 with the user's credentials", async () => {
    await expect(connect("clickhouse", CH())).resolves.toBeUndefined();
  });

  test("a wrong password → the server's status", async () => {
    expect(await failureMessage("clickhouse", { ...CH(), password: "bad" })).toBe("Failed to connect with provider: Request failed with status code 516");
  });
});
