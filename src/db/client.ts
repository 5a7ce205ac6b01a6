import { createHash } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, type Dialect } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import type { Config } from "../config.js";
import { lockDataDir } from "./data-dir-lock.js";
import type { Database, Db } from "./database.js";

const INT8_OID = 20;
/** How long a query waits for a pool connection before failing (→ 503), unless configured. */
export const DEFAULT_DB_CONNECTION_TIMEOUT_MS = 5_000;

export type DbHandle = {
  db: Db;
  /** Where the database lives, for logs: host/database or the embedded data directory. */
  description: string;
  /** The PostgreSQL server's host, when there is one (providers must never target it, D19). */
  host?: string;
  /** The PostgreSQL pool's occupancy, for metrics (D40); the embedded database has no pool. */
  poolStats?: () => { total: number; idle: number; waiting: number; max: number };
  /** The embedded database itself, when there is one. */
  client?: PGlite;
};

/** Kysely over pg when DATABASE_URL is set, else over the embedded PGlite kept in DATA_DIR. */
export async function createDb(
  database: Config["database"],
  connectionTimeoutMs = DEFAULT_DB_CONNECTION_TIMEOUT_MS,
): Promise<DbHandle> {
  if (database.kind === "postgres") return createPostgresDb(database.url, 10, connectionTimeoutMs);
  return createEmbeddedDb(database.dataDir);
}

/**
 * Statements whose text starts with this comment (`/*prepared:<name>*\/ SELECT …`) run as named
 * prepared statements: parsed and planned once per connection instead of on every call, which is
 * most of PostgreSQL's work for the short statements of the request path. Only fixed texts may
 * carry it (each distinct text stays prepared for the connection's life).
 */
export const PREPARED_MARK = "/*prepared:";

// Marked texts are fixed, so this map stays as small as the list of them. Keyed by label, then
// compared whole: the text is built afresh for every query, and hashing a few kilobytes of it as a
// Map key on every call cost more than comparing it with the one or two texts of its label.
const preparedNames = new Map<string, { text: string; name: string }[]>();

function preparedNameOf(text: string): string | undefined {
  if (!text.startsWith(PREPARED_MARK)) return undefined;
  const label = text.slice(PREPARED_MARK.length, text.indexOf("*/"));
  let known = preparedNames.get(label);
  if (known === undefined) preparedNames.set(label, (known = []));
  for (const entry of known) if (entry.text === text) return entry.name;
  // The hash keeps two texts under one label apart (pg refuses a name reused with another text).
  const name = `${label}_${createHash("sha1").update(text).digest("hex").slice(0, 10)}`;
  known.push({ text, name });
  return name;
}

/** pg's Client, turning marked texts into named prepared statements (see PREPARED_MARK). */
class PreparingClient extends pg.Client {
  override query(...args: any[]): any {
    const [text, values] = args;
    const name = typeof text === "string" && args.length <= 2 ? preparedNameOf(text) : undefined;
    if (name) return super.query({ name, text, values });
    return (super.query as (...a: any[]) => any)(...args);
  }
}

export function createPostgresDb(url: string, poolSize = 10, connectionTimeoutMs = DEFAULT_DB_CONNECTION_TIMEOUT_MS): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Never wait forever for a connection: while PostgreSQL is unreachable a request fails (503)
    // within this time. TCP keep-alive notices a peer that vanished without closing the socket.
    connectionTimeoutMillis: connectionTimeoutMs,
    keepAlive: true,
    Client: PreparingClient,
    // count(*) and other int8 results as numbers: every count we read fits.
    types: { getTypeParser: (oid: number, format?: any) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) } as any,
  });
  // A connection that dies (server restart, pg_terminate_backend, network) emits 'error' on its
  // client, and an 'error' event without a listener ends the process. The pool listens on idle
  // clients only, so every client gets its own listener for its whole life: checked out, between
  // the queries of a transaction, idle. The query in flight, if any, is rejected separately (and
  // answered 503 by the error mapper); pg-pool discards the dead client when it is released.
  pool.on("error", ignoreConnectionError);
  pool.on("connect", (client) => client.on("error", ignoreConnectionError));
  const parsed = new URL(url);
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    description: `postgres://${parsed.host}${parsed.pathname}`,
    host: parsed.hostname || "localhost",
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: poolSize }),
  };
}

function ignoreConnectionError(): void {}

/**
 * `loadDataDir`: start from a dumped data directory (the tests' migrated template). A data directory
 * on disk is locked for this process (D36) until `db.destroy()`.
 */
export async function createEmbeddedDb(dataDir: string | undefined, loadDataDir?: Blob): Promise<DbHandle> {
  const release = dataDir ? await lockDataDir(dataDir) : async () => undefined;
  let client: PGlite;
  try {
    // Loaded only for the embedded database (start-up time and memory of servers on PostgreSQL).
    const { PGlite: EmbeddedPostgres } = await import("@electric-sql/pglite");
    client = await EmbeddedPostgres.create({ ...(dataDir ? { dataDir } : {}), ...(loadDataDir ? { loadDataDir } : {}) });
    await client.query("SET TIME ZONE 'UTC'");
  } catch (err) {
    await release();
    throw err;
  }
  return {
    db: new Kysely<Database>({ dialect: releasingOnDestroy(new PGliteDialect(client), release) }),
    description: dataDir ? `embedded PGlite in ${dataDir}` : "embedded PGlite in memory",
    client,
  };
}

/** The same dialect, whose driver runs `release` once the database is closed. */
function releasingOnDestroy(dialect: Dialect, release: () => Promise<void>): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      const destroy = driver.destroy.bind(driver);
      driver.destroy = async () => {
        try {
          await destroy();
        } finally {
          await release().catch(() => undefined);
        }
      };
      return driver;
    },
  };
}

/** `text` with the password of `url` (as written and percent-decoded) blotted out: for any output line. */
export function withoutPassword(text: string, url: string): string {
  let password = "";
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // keep the raw form
  }
  return [password, decoded]
    .filter((p) => p.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((out, p) => out.split(p).join("[REDACTED]"), text);
}
