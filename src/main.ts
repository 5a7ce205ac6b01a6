// Process entry: config → database (+ migrations) → container → app → listen.
import { buildApp } from "./app.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createContainer } from "./container.js";
import { createDb, type DbHandle } from "./db/client.js";
import { migrateToLatestOrThrow } from "./db/migrator.js";
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
  handle = await createDb(config.database);
} catch (err) {
  // e.g. DATA_DIR held by another process (D36): one line, no stack.
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
await migrateToLatestOrThrow(handle.db);
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
const app = await buildApp({ container, logger });
app.addHook("onClose", async () => {
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
