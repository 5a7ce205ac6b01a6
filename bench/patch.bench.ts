import { randomBytes } from "node:crypto";
import pg from "pg";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createContainer } from "../src/container.js";
import { createPostgresDb } from "../src/db/client.js";
import { migrateToLatestOrThrow } from "../src/db/migrator.js";

// PATCH /api/v1/dynamic-secrets/{name} throughput and latency on a real PostgreSQL, over loopback
// HTTP. Everything is bounded: request counts and a wall-clock budget; the database is a throwaway
// one created and dropped here.

export type BenchOptions = {
  /** A PostgreSQL server URL; the bench creates (and drops) its own database on it. */
  databaseUrl: string;
  /** Requests per sequential scenario. */
  sequential: number;
  /** Requests per concurrent scenario. */
  concurrentTotal: number;
  concurrency: number;
  /** Wall-clock budget for all scenarios; a scenario stops early when it is exhausted. */
  maxSeconds: number;
  log: (line: string) => void;
};

export type Stats = { label: string; count: number; seconds: number; rps: number; p50: number; p95: number; p99: number; max: number; errors: number };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarize(label: string, latencies: number[], seconds: number, errors: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    label,
    count: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    errors,
  };
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function runPatchBench(options: BenchOptions): Promise<Stats[]> {
  const { log } = options;
  const dbName = `dsapi_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = databaseUrl(options.databaseUrl, dbName);
  const handle = createPostgresDb(url, 20);
  const deadline = Date.now() + options.maxSeconds * 1000;
  try {
    await migrateToLatestOrThrow(handle.db);
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: url,
      ROOT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      AUTH_SECRET: randomBytes(32).toString("hex"),
      RATE_LIMIT_ENABLED: "false",
      LOG_LEVEL: "silent",
    });
    const app = await buildApp({ container: createContainer({ config, db: handle.db, dbHost: handle.host }) });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const call = async (method: string, path: string, body: unknown, token?: string) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, any>;
        return { status: res.status, json };
      };
      const must = async (method: string, path: string, body: unknown, token?: string) => {
        const res = await call(method, path, body, token);
        if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.json)}`);
        return res.json;
      };

      const boot = await must("POST", "/api/v1/admin/bootstrap", { email: "bench@example.com", password: "bench-password-123", organization: "bench" });
      const token: string = boot.identity.credentials.token;
      await must("POST", "/api/v2/workspace", { projectName: "bench", slug: "bench-proj" }, token);
      await must(
        "POST",
        "/api/v1/dynamic-secrets",
        {
          projectSlug: "bench-proj",
          environmentSlug: "dev",
          name: "bench-totp",
          provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
          defaultTTL: "1h",
        },
        token,
      );
      const SPREAD = 16;
      for (let i = 0; i < SPREAD; i += 1) {
        await must(
          "POST",
          "/api/v1/dynamic-secrets",
          {
            projectSlug: "bench-proj",
            environmentSlug: "dev",
            name: `bench-totp-${i}`,
            provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
            defaultTTL: "1h",
          },
          token,
        );
      }
      const patchNamed = (name: string, data: unknown) =>
        call("PATCH", `/api/v1/dynamic-secrets/${name}`, { projectSlug: "bench-proj", environmentSlug: "dev", data }, token);
      const patch = (data: unknown) => patchNamed("bench-totp", data);
      const ttlOnly = (i: number) => ({ defaultTTL: `${(i % 23) + 1}h` });
      const inputs = (i: number) => ({ inputs: { digits: 6 + (i % 3), period: 30 + (i % 7) } });

      // Warm-up: JIT, pool connections, the project's data key in the KMS cache.
      for (let i = 0; i < 50; i += 1) await patch(i % 2 ? ttlOnly(i) : inputs(i));

      async function scenario(
        label: string,
        total: number,
        concurrency: number,
        data: (i: number) => unknown,
        target: (i: number) => string = () => "bench-totp",
      ): Promise<Stats> {
        const latencies: number[] = [];
        let errors = 0;
        let next = 0;
        const started = performance.now();
        const worker = async () => {
          while (next < total && Date.now() < deadline) {
            const i = next++;
            const t0 = performance.now();
            const res = await patchNamed(target(i), data(i));
            latencies.push(performance.now() - t0);
            if (res.status !== 200) errors += 1;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        const stats = summarize(label, latencies, (performance.now() - started) / 1000, errors);
        log(format(stats));
        return stats;
      }

      log(`PATCH /api/v1/dynamic-secrets/{name} on ${handle.description} (loopback HTTP, totp provider)`);
      const results = [
        await scenario("sequential, TTL only", options.sequential, 1, ttlOnly),
        await scenario("sequential, inputs (merge + validate + re-encrypt)", options.sequential, 1, inputs),
        await scenario("concurrency 1, TTL only", options.concurrentTotal, 1, ttlOnly),
        await scenario(`concurrency ${options.concurrency}, TTL only`, options.concurrentTotal, options.concurrency, ttlOnly),
        await scenario(`concurrency ${options.concurrency}, inputs (one secret: serialized by the row lock)`, options.concurrentTotal, options.concurrency, inputs),
        await scenario(`concurrency ${options.concurrency}, TTL only, ${SPREAD} different secrets`, options.concurrentTotal, options.concurrency, ttlOnly, (i) => `bench-totp-${i % SPREAD}`),
      ];
      const [seqTtl, seqInputs, c1, cN, , cSpread] = results as [Stats, Stats, Stats, Stats, Stats, Stats];
      log("");
      log(`inputs PATCH vs TTL-only PATCH, p50 latency ratio: ${(seqInputs.p50 / seqTtl.p50).toFixed(2)}x`);
      log(`concurrency ${options.concurrency} vs 1, throughput ratio, TTL only on one secret (one hot row): ${(cN.rps / c1.rps).toFixed(2)}x`);
      log(`concurrency ${options.concurrency} vs 1, throughput ratio, TTL only across ${SPREAD} secrets: ${(cSpread.rps / c1.rps).toFixed(2)}x`);
      const versions = await handle.db.selectFrom("dynamic_secrets").select((eb) => eb.fn.sum<number>("version").as("v")).executeTakeFirstOrThrow();
      const audited = await handle.db.selectFrom("audit_logs").select((eb) => eb.fn.countAll<number>().as("n")).where("event_type", "=", "update-dynamic-secret").executeTakeFirstOrThrow();
      log(`versions bumped ${Number(versions.v) - (SPREAD + 1)}, update audit rows ${audited.n} (one per successful PATCH)`);
      if (Date.now() >= deadline) log(`(time budget of ${options.maxSeconds}s reached: some scenarios stopped early)`);
      return results;
    } finally {
      await app.close();
    }
  } finally {
    await handle.db.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

function format(s: Stats): string {
  const ms = (v: number) => `${v.toFixed(2)}ms`;
  return (
    `${s.label.padEnd(72)} n=${String(s.count).padStart(4)}  ${s.rps.toFixed(0).padStart(5)} req/s  ` +
    `p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  max ${ms(s.max)}${s.errors ? `  errors ${s.errors}` : ""}`
  );
}
