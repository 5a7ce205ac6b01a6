import mysql from "mysql2/promise";
import pg from "pg";
import { z } from "zod";
import { GatewayFields, PasswordRequirementsSchema, SqlConnectionFields, StatementFields, withHostIp } from "./fields.js";
import { connectionFailed, withTimeout } from "./connection-error.js";
import { verifyHost } from "./host-check.js";
import { defineProvider } from "./provider.js";
import { assertPort, tcpProbe } from "./tcp-probe.js";
import { validateStatements } from "./template-check.js";

export const SQL_CLIENTS = ["postgres", "mysql2", "oracledb", "mssql", "sap-ase", "vertica"] as const;

export const SqlDatabaseInputsSchema = z
  .object({
    client: z.enum(SQL_CLIENTS),
    ...SqlConnectionFields,
    database: z.string().trim(),
    passwordRequirements: PasswordRequirementsSchema.optional(),
    ...StatementFields,
    ca: z.string().optional(),
    sslEnabled: z.boolean().optional(),
    sslRejectUnauthorized: z.boolean().default(true),
    ...GatewayFields,
  })
  .transform(withHostIp);

type SqlInputs = z.output<typeof SqlDatabaseInputsSchema>;

function tlsOptions(inputs: SqlInputs) {
  if (!inputs.ca) return undefined;
  return { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized, servername: inputs.host };
}

async function testPostgres(inputs: SqlInputs, address: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({
    host: address,
    port: inputs.port,
    database: inputs.database,
    user: inputs.username,
    password: inputs.password,
    ssl: tlsOptions(inputs),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on("error", () => {}); // a late socket error after a failed connect must not crash the process
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.query("SELECT 1");
      })(),
      timeoutMs,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function testMysql(inputs: SqlInputs, address: string, timeoutMs: number): Promise<void> {
  let connection: mysql.Connection | undefined;
  try {
    await withTimeout(
      (async () => {
        connection = await mysql.createConnection({
          host: address,
          port: inputs.port,
          database: inputs.database || undefined,
          user: inputs.username,
          password: inputs.password,
          ssl: tlsOptions(inputs),
          connectTimeout: timeoutMs,
        });
        connection.on("error", () => {});
        await connection.query("SELECT 1");
      })(),
      timeoutMs,
      () => connection?.destroy(),
    );
  } finally {
    await connection?.end().catch(() => connection?.destroy());
  }
}

export const sqlDatabaseProvider = defineProvider({
  type: "sql-database",
  inputsSchema: SqlDatabaseInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatements(inputs, [
      { field: "creationStatement", templateName: "SQL creation", variables: ["username", "password", "expiration", "database"] },
      { field: "renewStatement", templateName: "SQL renew", variables: ["username", "expiration", "database"], onlyIfSet: true },
      { field: "revocationStatement", templateName: "SQL revoke", variables: ["username", "database"] },
    ]);
  },
  async validateConnection(inputs, ctx) {
    const [address = inputs.host] = await verifyHost(inputs.host, ctx, {
      isGateway: Boolean(inputs.gatewayId || inputs.gatewayPoolId),
    });
    const timeoutMs = ctx.connectionTimeoutMs;
    try {
      assertPort(inputs.port);
      switch (inputs.client) {
        case "postgres":
          return await testPostgres(inputs, address, timeoutMs);
        case "mysql2":
          return await testMysql(inputs, address, timeoutMs);
        case "oracledb":
        case "mssql":
          // No Oracle/SQL Server client is shipped: reachability of the listener only.
          return await tcpProbe(address, inputs.port, timeoutMs);
        default:
          // Infisical answers 500 here (no such knex dialect); the dedicated provider exists.
          throw new Error(`the ${inputs.client} client is not supported here; use the ${inputs.client} provider`);
      }
    } catch (err) {
      throw connectionFailed(err, [inputs.username, inputs.password]);
    }
  },
});
