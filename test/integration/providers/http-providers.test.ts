import { createHash, createVerify, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAwsElastiCacheProvider } from "../../../src/dynamic-secrets/providers/aws-elasticache.js";
import { createAwsIamProvider } from "../../../src/dynamic-secrets/providers/aws-iam.js";
import { createAwsMemoryDbProvider } from "../../../src/dynamic-secrets/providers/aws-memorydb.js";
import { signAwsRequest } from "../../support/aws-sigv4-oracle.js";
import { createAzureEntraIdProvider } from "../../../src/dynamic-secrets/providers/azure-entra-id.js";
import { createGithubProvider } from "../../../src/dynamic-secrets/providers/github.js";
import { createMongoDbAtlasProvider } from "../../../src/dynamic-secrets/providers/mongo-db-atlas.js";
import { createTailscaleProvider } from "../../../src/dynamic-secrets/providers/tailscale.js";
import { closedPort, startFakeHttp, type FakeHttpServer, type RecordedRequest } from "../../support/fake-http.js";
import { connect, connectWith, failureMessage, failureWith } from "./context.js";

// HTTP-API providers against a loopback fake (node:http on 127.0.0.1, port 0) that answers as
// the real API does, checking the credentials the way the real API would.

let fake: FakeHttpServer;
let unused: number;
beforeAll(async () => {
  fake = await startFakeHttp();
  unused = await closedPort();
});
afterAll(async () => {
  await fake.close();
});

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`;

describe("elastic-search", () => {
  const ES = () => ({
    host: "http://127.0.0.1",
    port: fake.port,
    roles: ["superuser"],
    auth: { type: "user", username: "elastic", password: "es-pass-1" },
  });
  beforeAll(() => {
    fake.route("GET /", (req) =>
      req.headers.authorization === basic("elastic", "es-pass-1") ||
      req.headers.authorization === `ApiKey ${Buffer.from("key-id:key-secret").toString("base64")}`
        ? { status: 200, body: { name: "node-1", cluster_name: "fake", version: { number: "8.15.0" }, tagline: "You Know, for Search" } }
        : { status: 401, body: { error: { type: "security_exception", reason: "unable to authenticate user [elastic]" }, status: 401 } },
    );
  });

  test("basic auth passes", async () => {
    await expect(connect("elastic-search", ES())).resolves.toBeUndefined();
  });

  test("API key auth sends `ApiKey base64(id:key)`", async () => {
    await expect(connect("elastic-search", { ...ES(), auth: { type: "api-key", apiKeyId: "key-id", apiKey: "key-secret" } })).resolves.toBeUndefined();
  });

  test("a wrong password → 401", async () => {
    expect(await failureMessage("elastic-search", { ...ES(), auth: { type: "user", username: "elastic", password: "bad" } })).toBe(
      "Failed to connect with provider: Request failed with status code 401",
    );
  });

  test("nothing listening → ECONNREFUSED", async () => {
    expect(await failureMessage("elastic-search", { ...ES(), port: unused })).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`,
    );
  });
});

describe("mongo-db-atlas (HTTP Digest)", () => {
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  const nonce = "n0nce-123";
  function digestOk(req: RecordedRequest, user: string, password: string): boolean {
    const header = req.headers.authorization ?? "";
    const p = Object.fromEntries([...header.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    const ha1 = md5(`${user}:atlas:${password}`);
    const ha2 = md5(`${req.method}:${p.uri}`);
    return p.username === user && p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  }
  const ATLAS = { adminPublicKey: "pubkey", adminPrivateKey: "priv-key-123", groupId: "grp1", roles: [{ databaseName: "admin", roleName: "read" }], scopes: [] };
  beforeAll(() => {
    fake.route("GET /api/atlas/v1.0/groups/grp1/databaseUsers", (req) =>
      digestOk(req, "pubkey", "priv-key-123")
        ? { status: 200, body: { results: [], totalCount: 0 } }
        : {
            status: 401,
            headers: { "www-authenticate": `Digest realm="atlas", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=false` },
            body: { detail: "You are not authorized for this resource.", error: 401, errorCode: "NOT_ORG_GROUP_CREATOR", reason: "Unauthorized" },
          },
    );
  });

  test("answers the digest challenge with the key pair", async () => {
    await expect(connectWith(createMongoDbAtlasProvider(fake.url), ATLAS)).resolves.toBeUndefined();
  });

  test("a wrong private key → 401", async () => {
    expect(await failureWith(createMongoDbAtlasProvider(fake.url), { ...ATLAS, adminPrivateKey: "nope" })).toBe(
      "Failed to connect with provider: Request failed with status code 401",
    );
  });

  test("unreachable API", async () => {
    expect(await failureWith(createMongoDbAtlasProvider(`http://127.0.0.1:${unused}`), ATLAS)).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`,
    );
  });
});

describe("github (App JWT)", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ format: "pem", type: "pkcs1" }).toString();
  const GH = { appId: 1234, installationId: 42, privateKey: pem };
  beforeAll(() => {
    fake.route("GET /app/installations/42", (req) => {
      const [h, p, s] = (req.headers.authorization ?? "").replace(/^Bearer /, "").split(".");
      const valid =
        h && p && s && createVerify("RSA-SHA256").update(`${h}.${p}`).verify(publicKey, Buffer.from(s, "base64url"));
      const claims = valid ? (JSON.parse(Buffer.from(p!, "base64url").toString()) as { iss: string }) : undefined;
      return claims?.iss === "1234"
        ? { status: 200, body: { id: 42, app_id: 1234 } }
        : { status: 401, body: { message: "A JSON web token could not be decoded" } };
    });
  });

  test("a JWT signed with the app key reads the installation", async () => {
    await expect(connectWith(createGithubProvider(fake.url), GH)).resolves.toBeUndefined();
  });

  test("another key → 401", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(await failureWith(createGithubProvider(fake.url), { ...GH, privateKey: other })).toBe(
      "Failed to connect with provider: Request failed with status code 401",
    );
  });

  test("an unknown installation → 404", async () => {
    expect(await failureWith(createGithubProvider(fake.url), { ...GH, installationId: 7 })).toBe(
      "Failed to connect with provider: Request failed with status code 404",
    );
  });

  test("a malformed PEM is a 422 issue", async () => {
    await expect(connectWith(createGithubProvider(fake.url), { ...GH, privateKey: "abc" })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ["privateKey"], message: "Invalid PEM format for private key" })],
    });
  });
});

describe("azure-entra-id (client credentials)", () => {
  const AZ = { tenantId: "tenant-1", userId: "u", email: "a@b.c", applicationId: "app-1", clientSecret: "azure-secret-1" };
  beforeAll(() => {
    fake.route("POST /tenant-1/oauth2/v2.0/token", (req) => {
      const form = new URLSearchParams(req.body);
      return form.get("client_id") === "app-1" && form.get("client_secret") === "azure-secret-1" && form.get("grant_type") === "client_credentials"
        ? { status: 200, body: { token_type: "Bearer", expires_in: 3599, access_token: "eyJ0" } }
        : {
            status: 401,
            body: {
              error: "invalid_client",
              error_description: "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1",
            },
          };
    });
  });

  test("a valid secret obtains a Graph token", async () => {
    await expect(connectWith(createAzureEntraIdProvider(fake.url), AZ)).resolves.toBeUndefined();
  });

  test("a wrong secret → the identity platform's description", async () => {
    expect(await failureWith(createAzureEntraIdProvider(fake.url), { ...AZ, clientSecret: "bad" })).toBe(
      "Failed to connect with provider: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
    );
  });
});

describe("AWS providers (SigV4 verified by the fake)", () => {
  const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  function signatureOk(req: RecordedRequest, service: string, region: string): boolean {
    const amzDate = String(req.headers["x-amz-date"]);
    const now = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const headers: Record<string, string> = { "content-type": String(req.headers["content-type"]) };
    if (req.headers["x-amz-target"]) headers["x-amz-target"] = String(req.headers["x-amz-target"]);
    const expected = signAwsRequest({
      method: req.method,
      url: `${fake.url}${req.path}`,
      headers,
      body: req.body,
      service,
      region,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
      now,
    });
    return expected.authorization === req.headers.authorization;
  }
  const xmlError = (code: string, message: string) => ({
    status: 403,
    headers: { "content-type": "text/xml" },
    body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
  });
  beforeAll(() => {
    fake.route("POST /iam/", (req) =>
      signatureOk(req, "iam", "us-east-1") && new URLSearchParams(req.body).get("Action") === "GetUser"
        ? { status: 200, headers: { "content-type": "text/xml" }, body: "<GetUserResponse><GetUserResult><User><UserName>ci</UserName></User></GetUserResult></GetUserResponse>" }
        : xmlError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."),
    );
    fake.route("POST /sts/", (req) =>
      signatureOk(req, "sts", "eu-west-1") && new URLSearchParams(req.body).get("Action") === "GetSessionToken"
        ? { status: 200, headers: { "content-type": "text/xml" }, body: "<GetSessionTokenResponse/>" }
        : xmlError("InvalidClientTokenId", "The security token included in the request is invalid."),
    );
    fake.route("POST /elasticache/", (req) =>
      signatureOk(req, "elasticache", "eu-west-1")
        ? new URLSearchParams(req.body).get("ReplicationGroupId") === "cache-1"
          ? { status: 200, headers: { "content-type": "text/xml" }, body: "<DescribeReplicationGroupsResponse/>" }
          : { ...xmlError("ReplicationGroupNotFoundFault", "Replication group cache-2 not found."), status: 404 }
        : xmlError("InvalidClientTokenId", "The security token included in the request is invalid."),
    );
    fake.route("POST /memorydb/", (req) =>
      signatureOk(req, "memorydb", "eu-west-1") && req.headers["x-amz-target"] === "AmazonMemoryDB.DescribeClusters"
        ? { status: 200, body: { Clusters: [] } }
        : { status: 400, body: { __type: "UnrecognizedClientException", message: "The security token included in the request is invalid." } },
    );
  });
  const iam = () => createAwsIamProvider({ iam: `${fake.url}/iam/`, sts: () => `${fake.url}/sts/` });
  const A = { method: "access-key", accessKey: "AKIDEXAMPLE", secretAccessKey: SECRET, region: "eu-west-1" };

  test("aws-iam iam-user: IAM GetUser with the keys", async () => {
    await expect(connectWith(iam(), A)).resolves.toBeUndefined();
  });

  test("aws-iam temporary-credentials: STS GetSessionToken in the region", async () => {
    await expect(connectWith(iam(), { ...A, credentialType: "temporary-credentials" })).resolves.toBeUndefined();
  });

  test("aws-iam: a wrong secret → AWS's message, keys redacted", async () => {
    const message = await failureWith(iam(), { ...A, secretAccessKey: "not-the-secret" });
    expect(message).toBe("Failed to connect with provider: The request signature we calculated does not match the signature you provided.");
  });

  test("case 47: irsa without the instance flag", async () => {
    expect(await failureWith(iam(), { method: "irsa", region: "eu-west-1" })).toBe(
      "Failed to connect with provider: Failed to get AWS credentials via IRSA: KUBERNETES_AUTO_FETCH_SERVICE_ACCOUNT_TOKEN is not enabled.",
    );
  });

  test("case 45: assume-role needs server credentials we do not hold; the role ARN is redacted", async () => {
    expect(await failureWith(iam(), { method: "assume-role", roleArn: "arn:aws:iam::123:role/x", region: "eu-west-1" })).toBe(
      "Failed to connect with provider: Failed to assume role: this server has no AWS credentials to assume roles with.",
    );
  });

  test("aws-iam: unreachable endpoint", async () => {
    const offline = createAwsIamProvider({ iam: `http://127.0.0.1:${unused}/`, sts: () => `http://127.0.0.1:${unused}/` });
    expect(await failureWith(offline, A)).toBe(`Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`);
  });

  const EC = { clusterName: "cache-1", accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET, region: "eu-west-1", creationStatement: "x", revocationStatement: "y" };
  test("aws-elasticache: DescribeReplicationGroups for the cluster", async () => {
    const provider = createAwsElastiCacheProvider(() => `${fake.url}/elasticache/`);
    await expect(connectWith(provider, EC)).resolves.toBeUndefined();
    expect(await failureWith(provider, { ...EC, clusterName: "cache-2" })).toBe("Failed to connect with provider: Replication group cache-2 not found.");
  });

  test("aws-memorydb: DescribeClusters (JSON protocol)", async () => {
    const provider = createAwsMemoryDbProvider(() => `${fake.url}/memorydb/`);
    const MD = { clusterName: "mdb", auth: { type: "iam", accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET }, region: "eu-west-1", creationStatement: "x", revocationStatement: "y" };
    await expect(connectWith(provider, MD)).resolves.toBeUndefined();
    expect(await failureWith(provider, { ...MD, auth: { ...MD.auth, secretAccessKey: "wrong-secret" } })).toBe(
      "Failed to connect with provider: The security token included in the request is invalid.",
    );
  });
});

describe("tailscale", () => {
  beforeAll(() => {
    fake.route("GET /api/v2/tailnet/-/keys", (req) =>
      req.headers.authorization === "Bearer tskey-api-1" ? { status: 200, body: { keys: [] } } : { status: 401, body: { message: "API token invalid" } },
    );
    fake.route("POST /api/v2/oauth/token", (req) => {
      const form = new URLSearchParams(req.body);
      return form.get("client_id") === "cid" && form.get("client_secret") === "tskey-client-1"
        ? { status: 200, body: { access_token: "t", token_type: "Bearer", expires_in: 3600 } }
        : { status: 401, body: { message: "invalid client" } };
    });
  });
  const TS = { authType: "auth_keys", auth: { method: "api_key", apiKey: "tskey-api-1" } };

  test("an API key lists the tailnet's keys", async () => {
    await expect(connectWith(createTailscaleProvider(fake.url), TS)).resolves.toBeUndefined();
  });

  test("an OAuth client obtains a token", async () => {
    await expect(
      connectWith(createTailscaleProvider(fake.url), { authType: "oauth_keys", scopes: ["auth_keys"], auth: { method: "oauth", clientId: "cid", clientSecret: "tskey-client-1" } }),
    ).resolves.toBeUndefined();
  });

  test("a wrong API key → 401", async () => {
    expect(await failureWith(createTailscaleProvider(fake.url), { ...TS, auth: { method: "api_key", apiKey: "bad" } })).toBe(
      "Failed to connect with provider: Request failed with status code 401",
    );
  });
});
