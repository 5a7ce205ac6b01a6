import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { inject } from "vitest";
import { createEmbeddedDb, createPostgresDb, type DbHandle } from "../../src/db/client.js";
import { migrateToLatestOrThrow } from "../../src/db/migrator.js";
import { databaseUrl } from "./global-setup.js";

export type TestDb = DbHandle & {
  /** Connection string of this file's database; undefined on PGlite. */
  url?: string;
  destroy: () => Promise<void>;
};

/**
 * A fresh, migrated database for one test file: a clone of the run's template on the real
 * PostgreSQL (TEST_DATABASE_URL), otherwise an in-memory PGlite.
 */
export async function createTestDb(): Promise<TestDb> {
  const base = process.env.TEST_DATABASE_URL;
  const template = inject("templateDatabase");
  if (!base || !template) {
    const tarball = inject("pgliteTemplate");
    const handle = tarball
      ? await createEmbeddedDb(undefined, new Blob([readFileSync(tarball)]))
      : await createEmbeddedDb(undefined);
    if (!tarball) await migrateToLatestOrThrow(handle.db);
    return { ...handle, destroy: () => handle.db.destroy() };
  }
  const name = `dsapi_f_${inject("testRunId")}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(base, name);
  const handle = createPostgresDb(url);
  return {
    ...handle,
    url,
    destroy: async () => {
      await handle.db.destroy();
      const dropper = new pg.Client({ connectionString: base });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => dropper.end());
    },
  };
}

export const usingRealPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);
