// `npm run fuzz`: the seeded fuzz suites at scale — PATCH, create, and every set-up/auth route —
// FUZZ_N requests each (default 3,400: 3 × 3,400 + 120 bootstrap bodies ≥ 10,000 requests), within
// FUZZ_MAX_SECONDS (default 900). The same tests as CI's (which run them at their small default
// sizes), so the same checks hold: never a 5xx, every refusal is the envelope and changes nothing.
// FUZZ_SEED replays a run; TEST_DATABASE_URL runs it on PostgreSQL, else on the embedded PGlite.
import { spawn } from "node:child_process";
import path from "node:path";

const FILES = ["test/inject/dynamic-secrets/patch-fuzz.test.ts", "test/inject/setup/setup-fuzz.test.ts"];
const SUITES = 3; // PATCH bodies, create bodies, set-up/auth requests: FUZZ_N each

const int = (name: string, fallback: number, min: number, max: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be an integer between ${min} and ${max}`);
    process.exit(1);
  }
  return value;
};

const n = int("FUZZ_N", 3_400, 1, 1_000_000);
const seed = int("FUZZ_SEED", Date.now() % 2 ** 31, 0, 2 ** 31 - 1);
const maxSeconds = int("FUZZ_MAX_SECONDS", 900, 10, 86_400);
const root = path.resolve(import.meta.dirname, "..");
const database = process.env.TEST_DATABASE_URL ? `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})` : "embedded PGlite";

console.log(`fuzz: ${SUITES} × ${n} seeded requests + 120 bootstrap bodies = ${SUITES * n + 120}; seed ${seed}; ${database}; budget ${maxSeconds} s`);
const started = Date.now();
const child = spawn(process.execPath, [path.join(root, "node_modules/vitest/vitest.mjs"), "run", ...FILES], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, FUZZ_N: String(n), FUZZ_SEED: String(seed), FUZZ_TIMEOUT_MS: String(maxSeconds * 1000) },
});
// The whole run, set-up included, stops at the budget.
const budget = setTimeout(() => {
  console.error(`fuzz: budget of ${maxSeconds} s exhausted; stopping`);
  child.kill("SIGTERM");
}, (maxSeconds + 60) * 1000);
child.on("exit", (code, signal) => {
  clearTimeout(budget);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`fuzz: ${code === 0 ? "passed" : "FAILED"} in ${seconds} s (seed ${seed}; replay with FUZZ_SEED=${seed} FUZZ_N=${n})`);
  process.exit(code ?? (signal ? 1 : 0));
});
