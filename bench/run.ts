// `npm run bench`: PATCH /api/v1/dynamic-secrets/{name} of this server side by side with its bare
// ceiling (bench/bare.mjs: Fastify + pg, BEGIN; SELECT … FOR UPDATE; UPDATE; INSERT audit;
// COMMIT), on the local PostgreSQL (BENCH_DATABASE_URL, loopback only), plus the embedded PGlite
// default. Each side is its own process; rounds are interleaved (bare, server, bare, server …) and
// ratios are taken within a round, since absolute figures drift on a shared machine. Also counts
// the statements one PATCH sends (a counting TCP proxy in front of PostgreSQL). Every database it
// creates is dropped and every process it starts is stopped; their logs stay in a temp folder.
//
//   BENCH_RUNS (2) rounds · BENCH_SECONDS (8) measured + BENCH_WARMUP (2) per run · BENCH_LOG_LEVEL (info)
//   BENCH_SCENARIOS (all): comma-separated ids to run, e.g. "c16-ttl,c1-ttl"; "pglite" for the embedded row
// The server runs compiled (`node dist/src/main.js`, what `npm start` runs), built first by `npm run build`.
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import autocannon from "autocannon";
import pg from "pg";
import { BARE_PROJECT, setupBare } from "./bare-schema.js";
import { startStatementCounter } from "./statement-counter.js";

const int = (name: string, fallback: number, max: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer between 1 and ${max}`);
  return value;
};
const RUNS = int("BENCH_RUNS", 2, 20);
const SECONDS = int("BENCH_SECONDS", 8, 120);
const WARMUP = int("BENCH_WARMUP", 2, 60);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const databaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const pgHost = new URL(databaseUrl);
if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(pgHost.hostname)) {
  console.error(`BENCH_DATABASE_URL must point at a loopback server (got ${pgHost.hostname})`);
  process.exit(1);
}

const ROOT = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "dsapi-bench-"));
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ── processes ────────────────────────────────────────────────────────────────────────────────
type Proc = { child: ChildProcess; base: string; stop: () => Promise<void> };
const running = new Set<Proc>();

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function start(label: string, args: string[], env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const out = openSync(join(work, `${label}.log`), "a");
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", out, out],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const proc: Proc = {
    child,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      running.delete(proc);
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
  running.add(proc);
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${label} exited early; see ${join(work, `${label}.log`)}`);
    const ok = await fetch(`${proc.base}/api/status`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (waited > 120_000) throw new Error(`${label} did not start; see ${join(work, `${label}.log`)}`);
    await sleep(100);
  }
}

// One key pair for every server of the run: the statement pass restarts a server on its database.
const KEYS = { ROOT_ENCRYPTION_KEY: randomBytes(32).toString("base64"), AUTH_SECRET: randomBytes(32).toString("hex") };
const serverEnv = (extra: Record<string, string>) => ({
  NODE_ENV: "production",
  ...KEYS,
  RATE_LIMIT_ENABLED: "false",
  LOG_LEVEL,
  ...extra,
});
const startServer = (label: string, extra: Record<string, string>) => start(label, ["dist/src/main.js"], serverEnv(extra));
const startBare = (label: string, url: string) => start(label, ["bench/bare.mjs"], { BARE_DATABASE_URL: url });

// ── databases ────────────────────────────────────────────────────────────────────────────────
const databases: string[] = [];
function urlOf(name: string, base = databaseUrl): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
async function createDatabase(kind: string): Promise<string> {
  const name = `dsapi_bench_${kind}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  databases.push(name);
  return name;
}
async function dropDatabases(): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

// ── the server's data, through its API ───────────────────────────────────────────────────────
const SECRETS = Array.from({ length: 16 }, (_, i) => `ds-${i}`);
const PATH = "/app";
type Target = { projectSlug: string; environmentSlug: string; path: string; name: string };
const target = (name: string): Target => ({ projectSlug: BARE_PROJECT, environmentSlug: "dev", path: PATH, name });

async function call(base: string, method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** Bootstrap, project, folder /app, the 16 secrets and `hot`; returns the admin token. */
async function setupServer(base: string): Promise<string> {
  const boot = await call(base, "POST", "/api/v1/admin/bootstrap", { email: "bench@example.com", password: "bench-password-123", organization: "bench" });
  const token = boot.identity.credentials.token as string;
  const { project } = await call(base, "POST", "/api/v2/workspace", { projectName: "bench", slug: BARE_PROJECT }, token);
  await call(base, "POST", "/api/v1/folders", { workspaceId: project.id, environment: "dev", path: "/", name: "app" }, token);
  for (const name of [...SECRETS, "hot"]) {
    await call(base, "POST", "/api/v1/dynamic-secrets", {
      ...target(name),
      provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
      defaultTTL: "1h",
      maxTTL: "24h",
      metadata: [{ key: "team", value: "payments" }],
    }, token);
  }
  return token;
}

// ── load ─────────────────────────────────────────────────────────────────────────────────────
const BODIES = {
  ttl: [{ defaultTTL: "2h" }, { defaultTTL: "1h" }],
  inputs: [{ inputs: { digits: 8 } }, { inputs: { digits: 6 } }],
};
type Kind = keyof typeof BODIES;
type Scenario = { id: string; connections: number; kind: Kind; targets: string[] };
const SCENARIOS: Scenario[] = [
  { id: "c1-ttl", connections: 1, kind: "ttl", targets: ["ds-0"] },
  { id: "c16-ttl", connections: 16, kind: "ttl", targets: SECRETS },
  { id: "c32-ttl", connections: 32, kind: "ttl", targets: SECRETS },
  { id: "c16-hot", connections: 16, kind: "ttl", targets: ["hot"] },
  { id: "c16-inputs", connections: 16, kind: "inputs", targets: SECRETS },
];

type Result = {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  busyCores: number;
  foreignCores: number;
  /** CPU (user + system) per answered request: the measured process, and all postgres processes. */
  cpuUs: number;
  pgCpuUs: number;
};

function cpuJiffies(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
function jiffiesByPid(pids: number[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      byPid.set(pid, Number(f[11]) + Number(f[12]));
    } catch {
      // gone
    }
  }
  return byPid;
}
function processJiffies(pids: number[]): number {
  let sum = 0;
  for (const jiffies of jiffiesByPid(pids).values()) sum += jiffies;
  return sum;
}
/** CPU used between two snapshots by the processes alive at both (a process that exits takes its count with it). */
function jiffiesBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, jiffies] of after) sum += jiffies - (before.get(pid) ?? jiffies);
  return sum;
}
function postgresPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, "utf8").trim() === "postgres") pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

async function load(base: string, token: string, scenario: Scenario, seconds: number, serverPid?: number): Promise<Result> {
  let next = 0;
  const latencies: number[] = [];
  const requestsFor = (name: string) => {
    const { name: _n, ...locator } = target(name);
    return BODIES[scenario.kind].map((data) => ({
      method: "PATCH" as const,
      path: `/api/v1/dynamic-secrets/${name}`,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...locator, data }),
    }));
  };
  const pgPids = postgresPids();
  const cpu0 = cpuJiffies();
  const mine0 = processJiffies([process.pid, ...(serverPid ? [serverPid] : []), ...pgPids]);
  const side0 = serverPid ? processJiffies([serverPid]) : 0;
  const pg0 = jiffiesByPid(pgPids);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: scenario.connections,
        duration: seconds,
        timeout: 10,
        requests: requestsFor(scenario.targets[0]!),
        setupClient: (client: any) => {
          client.setRequests(requestsFor(scenario.targets[next % scenario.targets.length]!));
          next += 1;
        },
      } as autocannon.Options,
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, time: number) => {
      if (status >= 200 && status < 300) latencies.push(time);
    });
  });
  const cpu1 = cpuJiffies();
  const mine1 = processJiffies([process.pid, ...(serverPid ? [serverPid] : []), ...pgPids]);
  const side1 = serverPid ? processJiffies([serverPid]) : 0;
  const pg1 = jiffiesByPid(pgPids);
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
  const busy = cpu1.busy - cpu0.busy;
  const cores = (jiffies: number) => jiffies / 100 / result.duration;
  return {
    rps: latencies.length / result.duration,
    p50: pct(50),
    p99: pct(99),
    non2xx: result.non2xx,
    busyCores: cores(busy),
    foreignCores: Math.max(0, cores(busy - (mine1 - mine0))),
    cpuUs: ((side1 - side0) * 10_000) / Math.max(1, latencies.length),
    pgCpuUs: (jiffiesBetween(pg0, pg1) * 10_000) / Math.max(1, latencies.length),
  };
}

async function measure(side: Proc & { token: string }, scenario: Scenario): Promise<Result> {
  await load(side.base, side.token, scenario, WARMUP);
  return load(side.base, side.token, scenario, SECONDS, side.child.pid);
}

// ── statements per PATCH ─────────────────────────────────────────────────────────────────────
async function statementsPerPatch(dbName: string, bareDb: string) {
  const counter = await startStatementCounter({ host: pgHost.hostname, port: Number(pgHost.port || 5432) });
  const proxied = (name: string) => urlOf(name, `postgres://${pgHost.username || "postgres"}${pgHost.password ? `:${pgHost.password}` : ""}@127.0.0.1:${counter.port}/x`);
  const server = await startServer("server-counted", { DATABASE_URL: proxied(dbName), LOG_LEVEL: "warn" });
  const bare = await startBare("bare-counted", proxied(bareDb));
  try {
    const token = tokenOf.get(dbName)!;
    const per = async (base: string, kind: Kind, n: number, auth?: string) => {
      const { name: _n, ...locator } = target("ds-1");
      const patch = (i: number) => call(base, "PATCH", "/api/v1/dynamic-secrets/ds-1", { ...locator, data: BODIES[kind][i % 2] }, auth);
      await patch(0);
      await patch(1); // steady state: caches and prepared statements warm
      const before = counter.count();
      for (let i = 0; i < n; i += 1) await patch(i);
      return (counter.count() - before) / n;
    };
    return {
      serverTtl: await per(server.base, "ttl", 20, token),
      serverInputs: await per(server.base, "inputs", 10, token),
      bareTtl: await per(bare.base, "ttl", 5),
    };
  } finally {
    await server.stop();
    await bare.stop();
    await counter.close();
  }
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────
const tokenOf = new Map<string, string>();
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const wanted = process.env.BENCH_SCENARIOS?.split(",").map((id) => id.trim()).filter(Boolean);
const runs = (id: string) => !wanted || wanted.includes(id);

function build(): void {
  const result = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) throw new Error("npm run build failed");
}

async function main() {
  const t0 = Date.now();
  build();
  const serverDb = await createDatabase("server");
  const bareDb = await createDatabase("bare");
  await setupBare(urlOf(bareDb), [...SECRETS, "hot"].map((name) => ({ path: PATH, name })));
  const bare = Object.assign(await startBare("bare", urlOf(bareDb)), { token: "none" });
  const serverProc = await startServer("server", { DATABASE_URL: urlOf(serverDb) });
  const server = Object.assign(serverProc, { token: await setupServer(serverProc.base) });
  tokenOf.set(serverDb, server.token);
  const pgliteDir = join(work, "pglite");
  const pgliteProc = runs("pglite") ? await startServer("server-pglite", { DATA_DIR: pgliteDir }) : undefined;
  const pglite = pgliteProc && Object.assign(pgliteProc, { token: await setupServer(pgliteProc.base) });
  log(`setup ${((Date.now() - t0) / 1000).toFixed(0)} s; logs in ${work}; ${RUNS} interleaved rounds of ${WARMUP}+${SECONDS} s per side, server LOG_LEVEL=${LOG_LEVEL}`);

  type Row = { id: string; bare: Result[]; server: Result[] };
  const rows: Row[] = [];
  const plan: { scenario: Scenario; side: typeof server; label: string }[] = [
    ...SCENARIOS.filter((scenario) => runs(scenario.id)).map((scenario) => ({ scenario, side: server, label: scenario.id })),
    ...(pglite ? [{ scenario: SCENARIOS[1]!, side: pglite, label: "c16-ttl PGlite" }] : []),
  ];
  for (const { scenario, side, label } of plan) {
    const row: Row = { id: label, bare: [], server: [] };
    for (let round = 0; round < RUNS; round += 1) {
      row.bare.push(await measure(bare, scenario));
      row.server.push(await measure(side, scenario));
    }
    rows.push(row);
    const last = row.server.at(-1)!;
    log(`  ${label}: server ${fmt(mean(row.server.map((r) => r.rps)))} req/s vs bare ${fmt(mean(row.bare.map((r) => r.rps)))} (non-2xx ${last.non2xx})`);
  }
  await pglite?.stop();
  await server.stop();
  await bare.stop();
  const statements = await statementsPerPatch(serverDb, bareDb);

  log("");
  log("| scenario | bare req/s | bare p50 / p99 ms | server req/s | server p50 / p99 ms | throughput ratio | p99 ratio | p50 ratio | CPU µs/req bare / server | postgres CPU µs/req bare / server | foreign cores |");
  log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const row of rows) {
    const ratios = row.server.map((s, i) => s.rps / row.bare[i]!.rps);
    const p99 = row.server.map((s, i) => s.p99 / row.bare[i]!.p99);
    const p50 = row.server.map((s, i) => s.p50 / row.bare[i]!.p50);
    const foreign = [...row.bare, ...row.server].map((r) => r.foreignCores);
    const avg = (key: keyof Result, side: Result[]) => mean(side.map((r) => r[key]));
    log(
      `| ${row.id} | ${fmt(avg("rps", row.bare))} | ${fmt(avg("p50", row.bare), 1)} / ${fmt(avg("p99", row.bare), 1)} | ` +
        `${fmt(avg("rps", row.server))} | ${fmt(avg("p50", row.server), 1)} / ${fmt(avg("p99", row.server), 1)} | ` +
        `${fmt(mean(ratios), 2)} (${ratios.map((r) => fmt(r, 2)).join(", ")}) | ${fmt(mean(p99), 2)} | ${fmt(mean(p50), 2)} | ` +
        `${fmt(avg("cpuUs", row.bare))} / ${fmt(avg("cpuUs", row.server))} | ${fmt(avg("pgCpuUs", row.bare))} / ${fmt(avg("pgCpuUs", row.server))} | ` +
        `${fmt(Math.min(...foreign), 2)}–${fmt(Math.max(...foreign), 2)} |`,
    );
  }
  log("");
  log(`statements per PATCH: server TTL-only ${fmt(statements.serverTtl, 1)}, server inputs ${fmt(statements.serverInputs, 1)}, bare ${fmt(statements.bareTtl, 1)}`);
  log("ratios are per round (server ÷ the bare run just before it), then averaged; foreign cores = CPU used by other processes on the machine during the runs");
  log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
} finally {
  for (const proc of [...running]) await proc.stop();
  await dropDatabases().catch(() => undefined);
  rmSync(join(work, "pglite"), { recursive: true, force: true });
}
