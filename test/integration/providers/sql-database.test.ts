import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort } from "../../support/fake-http.js";
import { connect, failureMessage, startTcpServer, testCtx } from "./context.js";

// Real targets on this machine: PostgreSQL 127.0.0.1:5432 (trust auth, user postgres) and
// MariaDB 127.0.0.1:3306 (root, empty password).

const P = {
  client: "postgres",
  host: "127.0.0.1",
  port: 5432,
  database: "postgres",
  username: "postgres",
  password: "pw",
  creationStatement: `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  revocationStatement: `DROP ROLE IF EXISTS "{{username}}";`,
};
const M = { ...P, client: "mysql2", port: 3306, username: "root", password: "", database: "" };

let unused: number;
beforeAll(async () => {
  unused = await closedPort();
});

describe("sql-database / postgres (pg)", () => {
  test("connects and runs SELECT 1", async () => {
    await expect(connect("sql-database", P)).resolves.toBeUndefined();
  });

  test("case 6: host with spaces and upper case still connects", async () => {
    await expect(connect("sql-database", { ...P, host: "  LOCALHOST  " })).resolves.toBeUndefined();
  });

  test("case 2: nothing listening → ECONNREFUSED", async () => {
    expect(await failureMessage("sql-database", { ...P, port: unused })).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`,
    );
  });

  test("case 3 (trust-auth variant): the username is redacted from the server's message", async () => {
    expect(await failureMessage("sql-database", { ...P, username: "ds_no_such_role" })).toBe(
      `Failed to connect with provider: role "[REDACTED]" does not exist`,
    );
  });

  test("an unknown database is reported", async () => {
    expect(await failureMessage("sql-database", { ...P, database: "ds_no_such_db" })).toBe(
      `Failed to connect with provider: database "ds_no_such_db" does not exist`,
    );
  });

  test("a server that never answers fails within the connection timeout", async () => {
    const silent = await startTcpServer();
    try {
      const message = await failureMessage("sql-database", { ...P, port: silent.port }, { ...testCtx, connectionTimeoutMs: 300 });
      expect(message).toMatch(/^Failed to connect with provider: /);
    } finally {
      await silent.close();
    }
  });

  test("case 58: production mode refuses localhost before connecting", async () => {
    expect(await failureMessage("sql-database", { ...P, host: "localhost" }, { ...testCtx, nodeEnv: "production" })).toMatch(
      /^Local host IP addresses \(localhost\) are not allowed\./,
    );
  });

  test("case 60: with DYNAMIC_SECRET_ALLOW_INTERNAL_IP our own database host stays refused", async () => {
    const ctx = { ...testCtx, nodeEnv: "production" as const, allowInternalIp: true, forbiddenHosts: ["127.0.0.1"] };
    expect(await failureMessage("sql-database", { ...P, host: "localhost" }, ctx)).toBe(
      "The host localhost belongs to a service that is in-use by Infisical, such as the Infisical database or Redis instance. You cannot use hosts that are in-use by Infisical.",
    );
  });

  test("with DYNAMIC_SECRET_ALLOW_INTERNAL_IP a loopback database that is not ours connects", async () => {
    const ctx = { ...testCtx, nodeEnv: "production" as const, allowInternalIp: true, forbiddenHosts: ["db.internal.invalid"] };
    await expect(connect("sql-database", P, ctx)).resolves.toBeUndefined();
  });
});

describe("sql-database / mysql2 (MariaDB)", () => {
  test("connects as root with the empty password", async () => {
    await expect(connect("sql-database", M)).resolves.toBeUndefined();
  });

  test("case 22: switching a postgres configuration to mysql2 connects to MariaDB", async () => {
    await expect(connect("sql-database", { ...P, client: "mysql2", port: 3306, username: "root", password: "", database: "mysql" })).resolves.toBeUndefined();
  });

  test("case 23: a wrong password → Access denied with the username redacted", async () => {
    const message = await failureMessage("sql-database", { ...M, password: "Wr0ng-Passw0rd" });
    expect(message).toMatch(/^Failed to connect with provider: Access denied for user '\[REDACTED\]'@'[^']+' \(using password: YES\)$/);
    expect(message).not.toContain("Wr0ng-Passw0rd");
  });

  test("nothing listening → ECONNREFUSED", async () => {
    expect(await failureMessage("sql-database", { ...M, port: unused })).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`,
    );
  });
});

describe("sql-database / clients without a shipped driver", () => {
  let listener: Awaited<ReturnType<typeof startTcpServer>>;
  beforeAll(async () => {
    listener = await startTcpServer();
  });
  afterAll(async () => {
    await listener.close();
  });

  test.each(["oracledb", "mssql"])("%s: a reachable listener passes (reachability only)", async (client) => {
    await expect(connect("sql-database", { ...P, client, port: listener.port })).resolves.toBeUndefined();
  });

  test.each(["oracledb", "mssql"])("%s: nothing listening → ECONNREFUSED", async (client) => {
    expect(await failureMessage("sql-database", { ...P, client, port: unused })).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`,
    );
  });

  test.each(["sap-ase", "vertica"])("case 24: %s is accepted by the schema but not connectable here (Infisical: 500)", async (client) => {
    expect(await failureMessage("sql-database", { ...P, client })).toBe(
      `Failed to connect with provider: the ${client} client is not supported here; use the ${client} provider`,
    );
  });
});
