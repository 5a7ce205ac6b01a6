import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createEmbeddedDb, createPostgresDb } from "../../src/db/client.js";
import { migrateToLatestOrThrow } from "../../src/db/migrator.js";

// With TEST_DATABASE_URL: migrate one template database for this run; every test file clones it
// (CREATE DATABASE … TEMPLATE), so files run in parallel on isolated databases. The run id keeps
// concurrent runs on one server apart. Without it, each file migrates an in-memory PGlite.

declare module "vitest" {
  export interface ProvidedContext {
    testRunId: string;
    templateDatabase: string;
    /** PGlite only: a tarball of a migrated data directory that each file starts from. */
    pgliteTemplate: string;
  }
}

export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  project.provide("testRunId", runId);
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    project.provide("templateDatabase", "");
    const handle = await createEmbeddedDb(undefined);
    await migrateToLatestOrThrow(handle.db);
    const dump = await handle.client!.dumpDataDir("none");
    const file = path.join(tmpdir(), `dsapi-pglite-${runId}.tar`);
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await handle.db.destroy();
    project.provide("pgliteTemplate", file);
    return () => rmSync(file, { force: true });
  }
  project.provide("pgliteTemplate", "");
  const template = `dsapi_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const handle = createPostgresDb(databaseUrl(base, template), 1);
  await migrateToLatestOrThrow(handle.db);
  await handle.db.destroy();
  project.provide("templateDatabase", template);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`dsapi_%${runId}%`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}
