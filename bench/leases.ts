// `npm run bench:leases`: lease create p50 (TOTP) against a TTL-only PATCH p50, and the expiry lag
// (expireAt → credential gone from the target) for one lease and for 100 leases expiring together,
// on a real PostgreSQL (BENCH_DATABASE_URL, default the local server; loopback only). The leases'
// target is a throwaway database on the same server. Takes about two minutes: expiry is waited
// for, not simulated.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createContainer } from "../src/container.js";
import { createPostgresDb } from "../src/db/client.js";
import { migrateToLatestOrThrow } from "../src/db/migrator.js";
import { startLeaseJobs } from "../src/jobs/lease-jobs.js";

const base = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(new URL(base).hostname)) throw new Error("BENCH_DATABASE_URL must be loopback");
const N = Number(process.env.BENCH_SEQUENTIAL ?? 300);

const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const max = (values: number[]) => Math.max(...values);
const urlOf = (name: string) => Object.assign(new URL(base), { pathname: `/${name}` }).toString();

const id = randomBytes(4).toString("hex");
const appDb = `dsapi_bench_leases_${id}`;
const targetDb = `dsapi_bench_target_${id}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${appDb}`);
await admin.query(`CREATE DATABASE ${targetDb}`);
const handle = createPostgresDb(urlOf(appDb), 20);
try {
  await migrateToLatestOrThrow(handle.db);
  const config = loadConfig({
    NODE_ENV: "test", // the target is this very server, which D19 refuses in production
    DATABASE_URL: urlOf(appDb),
    ROOT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    AUTH_SECRET: randomBytes(32).toString("hex"),
    RATE_LIMIT_ENABLED: "false",
    LOG_LEVEL: "silent",
  });
  const container = createContainer({ config, db: handle.db, dbHost: handle.host });
  const app = await buildApp({ container });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const jobs = await startLeaseJobs({
    db: handle.db,
    connectionString: urlOf(appDb),
    expiry: container.leaseExpiryService,
    queue: container.leaseQueue,
    sweepIntervalMs: config.leaseSweepIntervalMs,
    log: { error: (obj, msg) => console.error(msg, obj), info: () => undefined },
  });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    let token = "";
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    token = (await call("POST", "/api/v1/admin/bootstrap", { email: "b@example.com", password: "bench-password-123", organization: "bench" })).identity.credentials.token;
    await call("POST", "/api/v2/workspace", { projectName: "bench", slug: "bench" });
    const where = { projectSlug: "bench", environmentSlug: "dev" };
    const totp = { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } };
    await call("POST", "/api/v1/dynamic-secrets", { ...where, name: "patch-me", provider: totp, defaultTTL: "1h" });
    await call("POST", "/api/v1/dynamic-secrets", { ...where, name: "lease-me", provider: totp, defaultTTL: "1h" });

    const timed = async (run: (i: number) => Promise<unknown>) => {
      const out: number[] = [];
      for (let i = 0; i < N; i += 1) {
        const t0 = performance.now();
        await run(i);
        out.push(performance.now() - t0);
      }
      return out;
    };
    const patch = (i: number) => call("PATCH", "/api/v1/dynamic-secrets/patch-me", { ...where, data: { defaultTTL: `${(i % 23) + 1}h` } });
    const lease = () => call("POST", "/api/v1/dynamic-secrets/leases", { ...where, dynamicSecretName: "lease-me" });
    await timed(patch); // warm-up
    await timed(lease);
    await handle.db.deleteFrom("dynamic_secret_leases").execute();
    const patchMs = await timed(patch);
    const leaseMs = await timed(lease);
    console.log(`TTL-only PATCH     n=${N}  p50 ${p50(patchMs).toFixed(2)} ms`);
    console.log(`lease create TOTP  n=${N}  p50 ${p50(leaseMs).toFixed(2)} ms`);
    console.log(`ratio lease create / PATCH p50: ${(p50(leaseMs) / p50(patchMs)).toFixed(2)}x (bar: ≤ 2x)`);
    await handle.db.deleteFrom("dynamic_secret_leases").execute();

    // Expiry lag on PostgreSQL roles: expireAt (database clock) → the role is gone.
    await call("POST", "/api/v1/dynamic-secrets", {
      ...where,
      name: "pg",
      defaultTTL: "1m",
      provider: {
        type: "sql-database",
        inputs: {
          client: "postgres",
          host: "127.0.0.1",
          port: Number(new URL(base).port || 5432),
          database: targetDb,
          username: decodeURIComponent(new URL(base).username || "postgres"),
          password: decodeURIComponent(new URL(base).password || "unused"),
          creationStatement: `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}';`,
          revocationStatement: `DROP ROLE "{{username}}";`,
        },
      },
    });
    const clockSkew = async () => {
      const { rows } = await admin.query<{ now: Date }>("SELECT now()");
      return rows[0]!.now.getTime() - Date.now();
    };
    async function expiryLag(count: number): Promise<number[]> {
      const leases: { username: string; expireAt: number }[] = [];
      for (let i = 0; i < count; i += 1) {
        const res = await call("POST", "/api/v1/dynamic-secrets/leases", { ...where, dynamicSecretName: "pg" });
        leases.push({ username: res.data.DB_USERNAME, expireAt: new Date(res.lease.expireAt).getTime() });
      }
      // Created back to back with the same TTL, the batch expires within the few seconds its
      // creation took; each lag is measured from the lease's own expireAt (its job's start time).
      const at = Math.max(...leases.map((l) => l.expireAt));
      const skew = await clockSkew();
      const lags = new Map<string, number>();
      while (lags.size < count) {
        const { rows } = await admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [leases.map((l) => l.username)]);
        const present = new Set(rows.map((r) => r.rolname));
        const dbNow = Date.now() + skew;
        for (const l of leases) if (!present.has(l.username) && !lags.has(l.username)) lags.set(l.username, dbNow - l.expireAt);
        if (dbNow - at > 120_000) throw new Error("leases not revoked within 2 minutes");
        await new Promise((r) => setTimeout(r, 50));
      }
      return [...lags.values()];
    }
    const one = await expiryLag(1);
    console.log(`expiry lag, 1 lease: ${(one[0]! / 1000).toFixed(2)} s after expireAt (bar: ≤ 5 s)`);
    const hundred = await expiryLag(100);
    console.log(`expiry lag, 100 leases created back to back: p50 ${(p50(hundred) / 1000).toFixed(2)} s, last ${(max(hundred) / 1000).toFixed(2)} s after expireAt (bar: all ≤ 15 s)`);
  } finally {
    await jobs.stop();
    await app.close();
  }
} finally {
  await handle.db.destroy();
  await admin.query(`DROP DATABASE IF EXISTS ${appDb} WITH (FORCE)`);
  await admin.query(`DROP DATABASE IF EXISTS ${targetDb} WITH (FORCE)`);
  await admin.end();
}
