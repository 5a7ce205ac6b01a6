import type { Config } from "./config.js";
import type { Db } from "./db/database.js";

// Composition root: database → repositories → kms/permissions/audit → services.
// Kept explicit and short; routes receive only the services they use.
export function createContainer({ config, db, dbHost }: { config: Config; db: Db; dbHost?: string }) {
  return {
    config,
    db,
    dbHost,
  };
}

export type Container = ReturnType<typeof createContainer>;
