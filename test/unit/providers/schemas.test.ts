import { describe, expect, test } from "vitest";
import { builtinProviders, createBuiltinProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";

// Every provider's inputs schema: a valid object parses, a missing required field and a wrongly
// typed field are 422 issues at their path, and the documented default is applied.

const registry = createBuiltinProviderRegistry();

const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----";
const sqlBase = {
  host: "db.example.com",
  port: 5432,
  username: "admin",
  password: "pw",
  creationStatement: "CREATE USER {{username}}",
  revocationStatement: "DROP USER {{username}}",
};

type Row = {
  type: string;
  valid: Record<string, unknown>;
  missing: string;
  wrong: [path: string, value: unknown];
  defaulted?: [path: string, value: unknown];
  /** A plain union (ldap): one `invalid_union` issue at the root instead of per-field issues. */
  plainUnion?: boolean;
};

const rows: Row[] = [
  { type: "sql-database", valid: { client: "postgres", database: "app", ...sqlBase }, missing: "client", wrong: ["port", "5432"], defaulted: ["sslRejectUnauthorized", true] },
  { type: "clickhouse", valid: { database: "app", ...sqlBase }, missing: "database", wrong: ["port", "8123"] },
  { type: "cassandra", valid: { localDataCenter: "dc1", ...sqlBase }, missing: "localDataCenter", wrong: ["keyspace", 1], defaulted: ["sslRejectUnauthorized", true] },
  { type: "aws-iam", valid: { accessKey: "AKIA", secretAccessKey: "s", region: "us-east-1" }, missing: "region", wrong: ["credentialType", "session"], defaulted: ["method", "access-key"] },
  { type: "redis", valid: { ...sqlBase }, missing: "creationStatement", wrong: ["password", null], defaulted: ["sslRejectUnauthorized", true] },
  { type: "aws-elasticache", valid: { clusterName: "c", accessKeyId: "a", secretAccessKey: "s", region: "us-east-1", creationStatement: "x", revocationStatement: "y" }, missing: "clusterName", wrong: ["region", 5] },
  { type: "aws-memorydb", valid: { clusterName: "c", auth: { type: "iam", accessKeyId: "a", secretAccessKey: "s" }, region: "us-east-1", creationStatement: "x", revocationStatement: "y" }, missing: "auth", wrong: ["clusterName", 1] },
  { type: "mongo-db-atlas", valid: { adminPublicKey: "p", adminPrivateKey: "k", groupId: "g", roles: [{ databaseName: "admin", roleName: "read" }], scopes: [] }, missing: "scopes", wrong: ["roles", "read"] },
  { type: "elastic-search", valid: { host: "http://es", port: 9200, roles: ["superuser"], auth: { type: "user", username: "elastic", password: "pw" } }, missing: "roles", wrong: ["port", "9200"], defaulted: ["sslRejectUnauthorized", true] },
  { type: "mongo-db", valid: { host: "mongo", port: 27017, username: "root", password: "pw", database: "admin", roles: ["readWrite"] }, missing: "roles", wrong: ["port", "27017"], defaulted: ["sslRejectUnauthorized", true] },
  { type: "rabbit-mq", valid: { host: "http://localhost", port: 15672, username: "guest", password: "guest", virtualHost: { name: "/", permissions: { read: ".*", write: ".*", configure: ".*" } } }, missing: "virtualHost", wrong: ["tags", "monitoring"], defaulted: ["tags", []] },
  { type: "azure-entra-id", valid: { tenantId: "t", userId: "u", email: "e@x.com", applicationId: "a", clientSecret: "s" }, missing: "clientSecret", wrong: ["tenantId", 1] },
  { type: "azure-sql-database", valid: { database: "app", masterCreationStatement: "CREATE LOGIN {{username}}", ...sqlBase }, missing: "masterCreationStatement", wrong: ["sslEnabled", "yes"], defaulted: ["masterDatabase", "master"] },
  { type: "ldap", valid: { url: "ldap://ldap", binddn: "cn=admin", bindpass: "pw", creationLdif: "dn: x", revocationLdif: "dn: y" }, missing: "binddn", wrong: ["url", 389], defaulted: ["credentialType", "dynamic"], plainUnion: true },
  { type: "sap-hana", valid: { ...sqlBase }, missing: "host", wrong: ["port", "30015"], defaulted: ["sslRejectUnauthorized", true] },
  { type: "snowflake", valid: { accountId: "acc", orgId: "org", username: "u", password: "p", creationStatement: "x", revocationStatement: "y" }, missing: "orgId", wrong: ["renewStatement", 1] },
  { type: "totp", valid: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" }, missing: "secret", wrong: ["digits", "6"] },
  { type: "sap-ase", valid: { database: "db", ...sqlBase }, missing: "database", wrong: ["port", "5000"], defaulted: ["hostIp", "db.example.com"] },
  { type: "kubernetes", valid: { credentialType: "static", url: "https://k8s.example.com", clusterToken: "t", audiences: [], serviceAccountName: "sa", namespace: "default" }, missing: "serviceAccountName", wrong: ["sslEnabled", "no"], defaulted: ["authMethod", "api"] },
  { type: "vertica", valid: { database: "db", ...sqlBase }, missing: "database", wrong: ["gatewayId", 5] },
  { type: "gcp-iam", valid: { serviceAccountEmail: "sa-1234@project.iam.gserviceaccount.com" }, missing: "serviceAccountEmail", wrong: ["tokenScopes", "x"], defaulted: ["tokenScopes", ["https://www.googleapis.com/auth/iam", "https://www.googleapis.com/auth/cloud-platform"]] },
  { type: "github", valid: { appId: 1, installationId: 2, privateKey: PEM }, missing: "installationId", wrong: ["appId", "1"] },
  { type: "couchbase", valid: { url: "https://cloudapi.cloud.couchbase.com", orgId: "o", projectId: "p", clusterId: "c", roles: ["read"], auth: { apiKey: "k" } }, missing: "clusterId", wrong: ["roles", "read"], defaulted: ["buckets", "*"] },
  { type: "milvus", valid: { host: "milvus", port: 19530, username: "root", password: "Milvus" }, missing: "password", wrong: ["port", 70000], defaulted: ["database", "default"] },
  { type: "ssh", valid: { principals: ["ubuntu"] }, missing: "principals", wrong: ["keyAlgorithm", "DSA"], defaulted: ["keyAlgorithm", "ED25519"] },
  { type: "ibm-api-connect", valid: { clientId: "c", clientSecret: "s", instanceUrl: "https://apic.example.com", apiKey: "k", orgId: "o", catalogId: "c", consumerOrgId: "co", appId: "a" }, missing: "appId", wrong: ["instanceUrl", "not a url"] },
  { type: "tailscale", valid: { authType: "auth_keys", auth: { method: "api_key", apiKey: "tskey" } }, missing: "auth", wrong: ["reusable", "yes"], defaulted: ["tailnet", "-"] },
  { type: "kafka", valid: { brokers: [{ host: "kafka", port: 9092 }], saslMechanism: "PLAIN", username: "u", password: "p" }, missing: "brokers", wrong: ["saslMechanism", "GSSAPI"], defaulted: ["sslEnabled", false] },
  { type: "oauth2", valid: { tokenUrl: "https://auth.example.com/token", revocationUrl: "https://auth.example.com/revoke", clientId: "c", clientAuth: { method: "client-secret-basic", clientSecret: "s" } }, missing: "tokenUrl", wrong: ["clientId", 5], defaulted: ["grantType", "client-credentials"] },
];

function issuesOf(type: string, inputs: unknown): { path: (string | number)[]; message: string }[] {
  try {
    registry.parseInputs(type, inputs, []);
  } catch (err) {
    return (err as { issues: { path: (string | number)[]; message: string }[] }).issues;
  }
  return [];
}

function getAt(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
}

describe("provider input schemas", () => {
  test("the table covers every built-in provider", () => {
    expect(rows.map((r) => r.type).sort()).toEqual(builtinProviders.map((p) => p.type).sort());
  });

  test.each(rows)("$type: a valid object parses and unknown keys are stripped", ({ type, valid }) => {
    const parsed = registry.parseInputs(type, { ...valid, unknownKey: 1 }, []) as Record<string, unknown>;
    expect(parsed).not.toHaveProperty("unknownKey");
  });

  test.each(rows)("$type: missing $missing is an issue at that path", ({ type, valid, missing, plainUnion }) => {
    const { [missing]: _dropped, ...rest } = valid;
    const issues = issuesOf(type, rest);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => i.path[0])).toContain(plainUnion ? undefined : missing);
  });

  test.each(rows)("$type: a wrong type for $wrong.0 is an issue at that path", ({ type, valid, wrong: [field, value], plainUnion }) => {
    const issues = issuesOf(type, { ...valid, [field]: value });
    expect(issues.map((i) => i.path[0])).toContain(plainUnion ? undefined : field);
  });

  test.each(rows.filter((r) => r.defaulted))("$type: default of $defaulted.0 is applied", ({ type, valid, defaulted }) => {
    const [path, value] = defaulted!;
    const input = { ...valid };
    delete input[path];
    expect(getAt(registry.parseInputs(type, input, []), path)).toEqual(value);
  });

  test("issue paths are prefixed with the caller's prefix", () => {
    const issues = (() => {
      try {
        registry.parseInputs("redis", { ...sqlBase, port: "6379" }, ["data", "inputs"]);
      } catch (err) {
        return (err as { issues: { path: unknown[] }[] }).issues;
      }
      return [];
    })();
    expect(issues).toEqual([expect.objectContaining({ code: "invalid_type", path: ["data", "inputs", "port"] })]);
  });
});
