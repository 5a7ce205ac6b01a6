// `npm run migrate`: apply pending migrations to the configured database and exit.
import { ConfigError, loadConfig } from "../config.js";
import { createDb } from "./client.js";
import { migrateToLatestOrThrow } from "./migrator.js";

try {
  const config = loadConfig(process.env);
  const handle = await createDb(config.database);
  const applied = await migrateToLatestOrThrow(handle.db);
  console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date");
  await handle.db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
