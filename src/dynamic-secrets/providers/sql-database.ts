import type { Connection as MysqlConnection } from "mysql2/promise";
import pg from "pg";
import { z } from "zod";
import { GatewayFields, PasswordRequirementsSchema, SqlConnectionFields, StatementFields, withHostIp } from "./fields.js";
import { connectionFailed, withTimeout, leaseFailed } from "../transport/connection-error.js";
import { verifyHost } from "../transport/host-check.js";
import { defineProvider, type ProviderContext } from "./provider.js";
import { generatePassword } from "../../lib/random.js";
import { renderStatements } from "../templates/render.js";
import { assertPort, tcpProbe } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";
import { BadRequestError } from "../../lib/errors.js";

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

/** D33: PostgreSQL statements run as one transaction: a failure part-way leaves nothing. */
async function runPostgres(inputs: SqlInputs, address: string, statements: string[], timeoutMs: number): Promise<void> {
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
  client.on("error", () => {});
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.query("BEGIN");
        for (const statement of statements) await client.query(statement);
        await client.query("COMMIT");
      })(),
      timeoutMs,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** MySQL DDL commits as it goes; a failed create is undone by the revocation (D25/D33). */
async function runMysql(inputs: SqlInputs, address: string, statements: string[], timeoutMs: number): Promise<void> {
  let connection: MysqlConnection | undefined;
  try {
    await withTimeout(
      (async () => {
        // Loaded on first use (start-up time and memory of servers that never talk to MySQL).
        const { default: mysql } = await import("mysql2/promise");
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
        for (const statement of statements) await connection.query(statement);
      })(),
      timeoutMs,
      () => connection?.destroy(),
    );
  } finally {
    await connection?.end().catch(() => connection?.destroy());
  }
}

async function runStatements(inputs: SqlInputs, statements: string[], ctx: ProviderContext): Promise<void> {
  const [address = inputs.host] = await verifyHost(inputs.host, ctx, { isGateway: Boolean(inputs.gatewayId || inputs.gatewayPoolId) });
  if (inputs.client === "postgres") return runPostgres(inputs, address, statements, ctx.connectionTimeoutMs);
  return runMysql(inputs, address, statements, ctx.connectionTimeoutMs);
}


/** Leases run on the two clients shipped here; the others answer D35's 400. */
function assertLeaseClient(inputs: SqlInputs): void {
  if (inputs.client !== "postgres" && inputs.client !== "mysql2") {
    throw new BadRequestError("Leases are not supported for the sql-database provider on this server");
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
          return await runPostgres(inputs, address, ["SELECT 1"], timeoutMs);
        case "mysql2":
          return await runMysql(inputs, address, ["SELECT 1"], timeoutMs);
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
  targetFields: ["client", "host", "port", "database"],
  async create({ inputs, entityId, expireAt, ctx }) {
    assertLeaseClient(inputs);
    const password = generatePassword(inputs.passwordRequirements);
    const vars = { username: entityId, password, expiration: expireAt.toISOString(), database: inputs.database };
    try {
      await runStatements(inputs, renderStatements(inputs.creationStatement, vars, { escape: false }), ctx);
    } catch (err) {
      throw leaseFailed("create", err, [entityId, password, inputs.database, inputs.username, inputs.password]);
    }
    return { data: { DB_USERNAME: entityId, DB_PASSWORD: password } };
  },
  async revoke({ inputs, entityId, ctx }) {
    assertLeaseClient(inputs);
    const vars = { username: entityId, database: inputs.database };
    try {
      await runStatements(inputs, renderStatements(inputs.revocationStatement, vars, { escape: true }), ctx);
    } catch (err) {
      throw leaseFailed("revoke", err, [entityId, inputs.database, inputs.username, inputs.password]);
    }
  },
  async renew({ inputs, entityId, expireAt, ctx }) {
    if (!inputs.renewStatement) return; // nothing to extend in the target: only expireAt moves
    assertLeaseClient(inputs);
    const vars = { username: entityId, expiration: expireAt.toISOString(), database: inputs.database };
    try {
      await runStatements(inputs, renderStatements(inputs.renewStatement, vars, { escape: true }), ctx);
    } catch (err) {
      throw leaseFailed("renew", err, [entityId, inputs.database, inputs.username, inputs.password]);
    }
  },
});
