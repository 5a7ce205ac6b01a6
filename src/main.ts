// Process entry: config → database (+ migrations) → container → app → listen.
import { buildApp } from "./app.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createContainer } from "./container.js";
import { createDb, type DbHandle, withoutPassword } from "./db/client.js";
import { migrateToLatestOrThrow } from "./db/migrator.js";
import { DatabaseUnreachableError, waitForDatabase } from "./db/wait-for-database.js";
import pino from "pino";
import { startLeaseJobs } from "./jobs/lease-jobs.js";
import { assertRootKeyMatches, RootKeyMismatchError } from "./kms/kms.service.js";
import { serverLoggerOptions } from "./logger.js";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}

const logger = serverLoggerOptions(config.logLevel);

let handle: DbHandle;
try {
  handle = await createDb(config.database, config.dbConnectionTimeoutMs);
} catch (err) {
  // e.g. DATA_DIR held by another process (D36): one line, no stack.
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
// Start-up lines before the app (and its logger) exist; same level, format and redaction.
const startupLog = pino(logger);
try {
  if (config.database.kind === "postgres") {
    const { url } = config.database;
    const log = (line: string) => startupLog.warn(withoutPassword(line, url));
    await waitForDatabase(handle.db, { description: handle.description, timeoutMs: config.dbStartupTimeoutMs, log });
  }
  await migrateToLatestOrThrow(handle.db);
} catch (err) {
  // D39: one clear line, never a stack trace or the connection string's password.
  const line = err instanceof DatabaseUnreachableError ? err.message : `Start-up failed: ${(err as Error)?.message ?? String(err)}`;
  startupLog.fatal(config.database.kind === "postgres" ? withoutPassword(line, config.database.url) : line);
  await handle.db.destroy().catch(() => undefined);
  process.exit(1);
}
try {
  await assertRootKeyMatches(handle.db, config.rootKeyId);
} catch (err) {
  // A wrong key would only surface later as 500s on every secret: refuse to start instead.
  if (!(err instanceof RootKeyMismatchError)) throw err;
  console.error(err.message);
  await handle.db.destroy();
  process.exit(1);
}
const container = createContainer({ config, db: handle.db, dbHost: handle.host, poolStats: handle.poolStats });
// Request logs are written asynchronously (pino's sonic-boom): under load the lines of many requests
// leave in one write instead of one synchronous write each; pino flushes what is left when the
// process exits, however it exits. Start-up lines above stay synchronous. Pretty output has its own.
const app = await buildApp({ container, logger: "transport" in logger ? logger : { ...logger, stream: pino.destination({ dest: 1, sync: false }) } });
// Lease expiry (D26): the job queue and the sweep, stopped before the database closes.
const jobs = await startLeaseJobs({
  db: handle.db,
  connectionString: config.database.kind === "postgres" ? config.database.url : undefined,
  pglite: handle.client,
  expiry: container.leaseExpiryService,
  queue: container.leaseQueue,
  sweepIntervalMs: config.leaseSweepIntervalMs,
  log: app.log,
});
app.addHook("onClose", async () => {
  await jobs.stop();
  await handle.db.destroy();
});
for (const notice of config.notices) app.log.warn(notice);

await app.listen({ host: config.host, port: config.port });
const base = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${(app.server.address() as { port: number }).port}`;
app.log.info(`Database: ${handle.description}`);
app.log.info(`Listening on ${base} — API docs at ${base}/api/docs`);
app.log.info(`First run? Bootstrap the instance: curl -X POST ${base}/api/v1/admin/bootstrap -H 'content-type: application/json' -d '{"email":"admin@example.com","password":"change-me","organization":"acme"}'`);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info(`${signal} received: finishing requests in flight, then closing`);
  try {
    await app.close();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, "shutdown failed");
    process.exit(1);
  }
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
