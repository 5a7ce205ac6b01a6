// `npm run migrate`: apply pending migrations to the configured database and exit.
import { ConfigError, loadDatabaseConfig } from "../config.js";
import { createDb } from "./client.js";
import { migrateToLatestOrThrow } from "./migrator.js";

try {
  const handle = await createDb(loadDatabaseConfig(process.env));
  const applied = await migrateToLatestOrThrow(handle.db);
  console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date");
  await handle.db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
