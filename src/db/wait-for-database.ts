import { sql } from "kysely";
import type { Db } from "./database.js";
import { isConnectionLost } from "./pg-errors.js";

// D39: at start-up an unreachable PostgreSQL (not started yet, restarting, network) is retried with
// backoff for a while, one log line per failed attempt, before giving up with one clear line. Any
// other failure (wrong password, unknown database) is not retried. Lines never carry credentials:
// `description` is host/database only and driver messages hold none.

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

export class DatabaseUnreachableError extends Error {}

export type WaitForDatabaseOptions = {
  /** Where the database is, without credentials (postgres://host:port/database). */
  description: string;
  /** Give up once this much time has passed since the first attempt. */
  timeoutMs: number;
  log: (line: string) => void;
};

function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reasonOf(err.errors[0]);
  const e = err as { message?: string; code?: string };
  return e?.message || e?.code || String(err);
}

export async function waitForDatabase(db: Db, { description, timeoutMs, log }: WaitForDatabaseOptions): Promise<void> {
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sql`SELECT 1`.execute(db);
      if (attempt > 1) log(`Database ${description} reachable after ${attempt} attempts`);
      return;
    } catch (err) {
      if (!isConnectionLost(err)) throw err;
      const elapsed = Date.now() - started;
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      if (elapsed + delay > timeoutMs) {
        throw new DatabaseUnreachableError(
          `Database ${description} not reachable after ${attempt} attempts in ${seconds(elapsed)} (${reasonOf(err)}): giving up`,
        );
      }
      log(`Database ${description} not reachable (attempt ${attempt}: ${reasonOf(err)}); retrying in ${seconds(delay)}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
