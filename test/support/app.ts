import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { buildApp, LOG_REDACT_PATHS } from "../../src/app.js";
import { builtinProviders, createProviderRegistry, type ProviderRegistry } from "../../src/dynamic-secrets/providers/index.js";
import { loadConfig, type Config } from "../../src/config.js";
import { createContainer, type Container } from "../../src/container.js";
import { createTestDb, type TestDb } from "./db.js";
import { createFakeKvProvider, createFakeSqlProvider, type ConnectionCall } from "./fake-providers.js";

export const TEST_ROOT_KEY = Buffer.alloc(32, 7).toString("base64");
export const TEST_AUTH_SECRET = "test-auth-secret-that-is-long-enough-0123456789";

export type TestApp = {
  app: FastifyInstance;
  container: Container;
  config: Config;
  testDb: TestDb;
  close: () => Promise<void>;
};

export type TestAppOptions = {
  /** Configuration variables over the test defaults, e.g. { RATE_LIMIT_ENABLED: "true" }. */
  env?: Record<string, string>;
  /** A database shared with other apps of the file (it stays open on close); default: a new one. */
  testDb?: TestDb;
  /** Runs before app.ready(), e.g. to add a route that throws. */
  extend?: (app: FastifyInstance) => void;
  /** A provider registry with fakes for third-party systems (default: the built-in one). */
  providers?: ProviderRegistry;
  /** Collects every log line (trace level, with the production redaction) as text. */
  captureLogs?: (line: string) => void;
};

/**
 * The real app on this file's own database. `env` overrides configuration variables
 * (e.g. { RATE_LIMIT_ENABLED: "true" }). Rate limiting is off unless a test turns it on.
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { env = {}, testDb, extend } = options;
  const db = testDb ?? (await createTestDb());
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: db.url ?? "postgres://embedded.invalid/pglite",
    ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY,
    AUTH_SECRET: TEST_AUTH_SECRET,
    RATE_LIMIT_ENABLED: "false",
    LOG_LEVEL: "silent",
    ...env,
  });
  const container = createContainer({ config, db: db.db, dbHost: db.host, providers: options.providers, poolStats: db.poolStats });
  const logger = options.captureLogs && {
    level: "trace",
    redact: { paths: LOG_REDACT_PATHS, censor: "[REDACTED]" },
    stream: new Writable({
      write(chunk, _encoding, done) {
        options.captureLogs!(chunk.toString());
        done();
      },
    }),
  };
  const app = await buildApp({ container, logger: logger ?? false });
  extend?.(app);
  await app.ready();
  return {
    app,
    container,
    config,
    testDb: db,
    close: async () => {
      await app.close();
      if (!testDb) await db.destroy();
    },
  };
}

/** Listens on 127.0.0.1, port 0 → the server's base URL, `http://127.0.0.1:<port>`. */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export type DsTestApp = TestApp & {
  connectionCalls: ConnectionCall[];
  /** Canonical JSON of every inputs object the fake-kv provider tested. */
  testedKv: string[];
};

export type DsTestAppOptions = Pick<TestAppOptions, "env" | "captureLogs"> & {
  /** A second app (another "process") on the database of the first, sharing its fakes' records. */
  shared?: DsTestApp;
};

/** buildTestApp with the built-in providers plus the fakes "fake-sql" and "fake-kv" (fake-providers.ts). */
export async function buildDsTestApp(options: DsTestAppOptions = {}): Promise<DsTestApp> {
  const { env, shared, captureLogs } = options;
  const connectionCalls: ConnectionCall[] = shared?.connectionCalls ?? [];
  const testedKv: string[] = shared?.testedKv ?? [];
  const providers = createProviderRegistry([...builtinProviders, createFakeSqlProvider(connectionCalls), createFakeKvProvider(testedKv)]);
  const built = await buildTestApp({ env, testDb: shared?.testDb, providers, captureLogs });
  return { ...built, connectionCalls, testedKv };
}
