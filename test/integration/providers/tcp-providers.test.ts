import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort } from "../../support/fake-http.js";
import { connect, failureMessage, startTcpServer, testCtx } from "./context.js";

// Providers whose client we do not ship: the connection test is TCP (or TLS) reachability of
// the target, so these tests cover a reachable listener and the unreachable path.

let listener: Awaited<ReturnType<typeof startTcpServer>>;
let unused: number;
beforeAll(async () => {
  listener = await startTcpServer();
  unused = await closedPort();
});
afterAll(async () => {
  await listener.close();
});

const sql = { host: "127.0.0.1", username: "admin", password: "Secret-Pw-1", creationStatement: "x {{username}}", revocationStatement: "y {{username}}" };
const cases: [type: string, inputs: (port: number) => Record<string, unknown>][] = [
  ["mongo-db", (port) => ({ host: "127.0.0.1", port, username: "root", password: "Secret-Pw-1", database: "admin", roles: ["readWrite"] })],
  ["cassandra", (port) => ({ ...sql, port, localDataCenter: "dc1" })],
  ["sap-hana", (port) => ({ ...sql, port })],
  ["sap-ase", (port) => ({ ...sql, port, database: "master" })],
  ["vertica", (port) => ({ ...sql, port, database: "vdb" })],
  ["azure-sql-database", (port) => ({ ...sql, port, database: "db", masterCreationStatement: "CREATE LOGIN {{username}}" })],
  ["kafka", (port) => ({ brokers: [{ host: "127.0.0.1", port }], saslMechanism: "SCRAM-SHA-512", username: "admin", password: "Secret-Pw-1" })],
];

describe("reachability-only providers", () => {
  test.each(cases)("%s: a reachable target passes", async (type, inputs) => {
    await expect(connect(type, inputs(listener.port))).resolves.toBeUndefined();
  });

  test.each(cases)("%s: nothing listening → 400 ECONNREFUSED, no password in the message", async (type, inputs) => {
    const message = await failureMessage(type, inputs(unused));
    // mongo-db and kafka also redact the host (spec §2.F, kafka).
    const host = type === "mongo-db" || type === "kafka" ? "[REDACTED]" : "127.0.0.1";
    expect(message).toBe(`Failed to connect with provider: connect ECONNREFUSED ${host}:${unused}`);
    expect(message).not.toContain("Secret-Pw-1");
  });

  test("cassandra: the first reachable contact point is enough", async () => {
    await expect(connect("cassandra", { ...sql, host: `127.0.0.1, localhost`, port: listener.port, localDataCenter: "dc1" })).resolves.toBeUndefined();
  });

  test("kafka: brokers are tried in order", async () => {
    const inputs = cases.find(([t]) => t === "kafka")![1](listener.port);
    await expect(connect("kafka", { ...inputs, brokers: [{ host: "127.0.0.1", port: unused }, { host: "127.0.0.1", port: listener.port }] })).resolves.toBeUndefined();
  });

  test("kafka: a Cluster ACL must be named kafka-cluster", async () => {
    const inputs = cases.find(([t]) => t === "kafka")![1](listener.port);
    await expect(connect("kafka", { ...inputs, acls: [{ resourceType: "Cluster", resourceName: "x", operation: "Describe" }] })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ["acls", 0, "resourceName"], message: "Cluster ACLs must use the resource name 'kafka-cluster'" })],
    });
  });

  test("a TLS target that does not speak TLS fails", async () => {
    const inputs = cases.find(([t]) => t === "kafka")![1](listener.port);
    const message = await failureMessage("kafka", { ...inputs, sslEnabled: true }, { ...testCtx, connectionTimeoutMs: 500 });
    expect(message).toMatch(/^Failed to connect with provider: /);
  });

  test("mongo-db case 51: no port means SRV mode, which fails for a name without an SRV record", async () => {
    const message = await failureMessage("mongo-db", { ...cases[0]![1](1), host: "localhost", port: null }, { ...testCtx, connectionTimeoutMs: 1500 });
    expect(message).toMatch(/^Failed to connect with provider: /);
  });

  test("mongo-db: production mode names ALLOW_INTERNAL_IP_CONNECTIONS in the hint", async () => {
    const message = await failureMessage("mongo-db", cases[0]![1](listener.port), { ...testCtx, nodeEnv: "production" });
    expect(message).toContain("''ALLOW_INTERNAL_IP_CONNECTIONS''");
  });
});

describe("providers that cannot be verified from here", () => {
  test("snowflake: an unreachable account → Infisical's single message", async () => {
    const inputs = { accountId: "acc", orgId: "org", username: "u", password: "p", creationStatement: "x", revocationStatement: "y" };
    expect(await failureMessage("snowflake", inputs, { ...testCtx, connectionTimeoutMs: 1500 })).toBe(
      "Unable to establish connection - verify credentials",
    );
  });

  test("gcp-iam: no instance GCP credential to impersonate with", async () => {
    expect(await failureMessage("gcp-iam", { serviceAccountEmail: "sa-1@p.iam.gserviceaccount.com" })).toBe(
      "Failed to connect with provider: this server has no GCP service account credential to impersonate the service account with",
    );
  });
});
