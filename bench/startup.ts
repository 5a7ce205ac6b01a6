// `npx tsx bench/startup.ts`: how fast `npm start` serves and how much memory it holds once idle.
// For BENCH_STARTS (5) starts each: on a migrated PostgreSQL database (a throwaway database on
// BENCH_DATABASE_URL, loopback only, dropped at the end) and on the embedded database (a DATA_DIR
// the first, unmeasured start migrates), it measures the time from spawning `npm start` to the first
// 200 of GET /api/status, then the server process's resident memory (VmRSS) after BENCH_IDLE_MS
// (5000) of idleness. Prints every figure and the medians. Needs dist/ (`npm run build`).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createPostgresDb } from "../src/db/client.js";
import { migrateToLatestOrThrow } from "../src/db/migrator.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const starts = Number(process.env.BENCH_STARTS ?? 5);
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 5000);
const baseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(new URL(baseUrl).hostname)) {
  console.error("BENCH_DATABASE_URL must point at a loopback server");
  process.exit(1);
}
if (!existsSync(path.join(ROOT, "dist/src/main.js"))) {
  console.error("dist/src/main.js is missing: run npm run build first");
  process.exit(1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The server process under `npm start` (npm → `sh -c "exec node …"`, which becomes node). */
function serverPid(npm: ChildProcess): number | undefined {
  try {
    const children = readFileSync(`/proc/${npm.pid}/task/${npm.pid}/children`, "utf8").trim().split(/\s+/);
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

function rssMb(pid: number): number {
  const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m)?.[1]);
  return kb / 1024;
}

async function startOnce(env: Record<string, string>, port: number): Promise<{ firstOkMs: number; rssMb: number }> {
  const t0 = performance.now();
  const npm = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
  let firstOkMs: number | undefined;
  while (firstOkMs === undefined) {
    if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}`);
    if (performance.now() - t0 > 60_000) throw new Error("no 200 within 60 s");
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/status`)).status === 200) firstOkMs = performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (firstOkMs === undefined) await sleep(10);
  }
  await sleep(idleMs);
  const pid = serverPid(npm);
  if (!pid) throw new Error("server process not found");
  const rss = rssMb(pid);
  process.kill(pid, "SIGTERM");
  const code = await exited;
  if (code !== 0) throw new Error(`npm start exited with ${code} after SIGTERM`);
  return { firstOkMs, rssMb: rss };
}

async function series(label: string, env: Record<string, string>, port: number): Promise<void> {
  const runs: { firstOkMs: number; rssMb: number }[] = [];
  for (let i = 0; i < starts; i += 1) {
    const run = await startOnce(env, port);
    runs.push(run);
    console.log(`${label} start ${i + 1}: first 200 after ${run.firstOkMs.toFixed(0)} ms, idle RSS ${run.rssMb.toFixed(1)} MB`);
  }
  console.log(
    `${label}: median first 200 ${median(runs.map((r) => r.firstOkMs)).toFixed(0)} ms, ` +
      `median idle RSS ${median(runs.map((r) => r.rssMb)).toFixed(1)} MB (${starts} starts)`,
  );
}

const keys = { ROOT_ENCRYPTION_KEY: randomBytes(32).toString("base64"), AUTH_SECRET: randomBytes(48).toString("base64url") };
const database = `bench_start_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(baseUrl);
url.pathname = `/${database}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "bench-start-"));
try {
  const handle = createPostgresDb(url.toString());
  await migrateToLatestOrThrow(handle.db);
  await handle.db.destroy();
  await series("PostgreSQL", { DATABASE_URL: url.toString(), ...keys }, 18_201);

  await startOnce({ DATA_DIR: dataDir }, 18_202); // migrates and generates the keys: not measured
  await series("embedded PGlite", { DATA_DIR: dataDir }, 18_202);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
