import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import { Redis } from "ioredis";
import { basicAuth, httpRequest } from "../../../src/dynamic-secrets/transport/http-request.js";

// The real targets of the lease tests (loopback): PostgreSQL 5432 (trust on 127.0.0.1, so a
// login alone proves nothing about the password: the SCRAM verifier is checked too), MariaDB 3306
// (root, no password), Redis 6379, RabbitMQ management 15672 (guest/guest).

export const PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export { suffix } from "../../support/factories.js";

export async function pgAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Logs in as the lease's user; true when the server accepts it. */
export async function pgLogin(database: string, user: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host: "127.0.0.1", port: 5432, database, user, password, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The role's stored SCRAM-SHA-256 verifier matches `password` (RFC 5802/7677). */
export async function pgPasswordMatches(role: string, password: string): Promise<boolean> {
  const row = await pgAdmin((c) => c.query<{ rolpassword: string | null }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role]));
  const stored = row.rows[0]?.rolpassword;
  const m = stored && /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(stored);
  if (!m) return false;
  const salted = pbkdf2Sync(password, Buffer.from(m[2]!, "base64"), Number(m[1]), 32, "sha256");
  const storedKey = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64");
  return storedKey === m[3];
}

export async function pgRole(role: string) {
  return pgAdmin(async (c) => (await c.query<{ rolvaliduntil: Date | null }>("SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", [role])).rows[0]);
}

export async function mysqlAdmin<T>(run: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

export async function mysqlLogin(database: string, user: string, password: string): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user, password, database, connectTimeout: 5000 });
    await c.query("SELECT 1");
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export async function redisLogin(user: string, password: string): Promise<boolean> {
  const client = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false, protocol: 2 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.auth(user, password)) === "OK";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function redisAdmin<T>(run: (c: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true });
  await client.connect();
  try {
    return await run(client);
  } finally {
    client.disconnect();
  }
}

export const RABBIT = "http://127.0.0.1:15672";

export async function rabbit(path: string, method = "GET", user = "guest", password = "guest") {
  return httpRequest({ url: `${RABBIT}${path}`, method, headers: { authorization: basicAuth(user, password) }, timeoutMs: 5000 }).then(
    (r) => ({ status: r.status, body: r.body ? JSON.parse(r.body) : undefined }),
    (err: { response?: { status: number } }) => ({ status: err.response?.status ?? 0, body: undefined }),
  );
}

/** sql-database inputs for a PostgreSQL target database on the local server (leases.md §8 `pg-ds`). */
export function pgTargetInputs(database: string) {
  return {
    client: "postgres",
    host: "127.0.0.1",
    port: 5432,
    database,
    username: "postgres",
    password: "unused-with-trust",
    creationStatement: `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    revocationStatement: `DROP ROLE "{{username}}";`,
    renewStatement: `ALTER ROLE "{{username}}" VALID UNTIL '{{expiration}}';`,
  };
}
