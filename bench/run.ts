// `npm run bench`: PATCH throughput/latency on a real PostgreSQL (BENCH_DATABASE_URL, default the
// local server). Bounded by BENCH_SEQUENTIAL, BENCH_CONCURRENT_TOTAL, BENCH_CONCURRENCY and
// BENCH_MAX_SECONDS; loopback only.
import { runPatchBench } from "./patch.bench.js";

const int = (name: string, fallback: number, max: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer between 1 and ${max}`);
  return value;
};

const databaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const host = new URL(databaseUrl).hostname;
if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
  console.error(`BENCH_DATABASE_URL must point at a loopback server (got ${host})`);
  process.exit(1);
}

try {
  await runPatchBench({
    databaseUrl,
    sequential: int("BENCH_SEQUENTIAL", 300, 10_000),
    concurrentTotal: int("BENCH_CONCURRENT_TOTAL", 600, 20_000),
    concurrency: int("BENCH_CONCURRENCY", 16, 256),
    maxSeconds: int("BENCH_MAX_SECONDS", 60, 600),
    log: (line) => console.log(line),
  });
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
