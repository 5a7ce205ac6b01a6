import { mkdirSync } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { ConfigError } from "../config.js";

// D36: one process at a time on an embedded data directory; two PGlite instances on one directory
// would each believe they own it. The lock is a directory whose mtime the holder refreshes: after a
// crash it goes stale, and the next process takes it over once the refreshes have stopped for
// STALE_MS, so a restart never needs a hand to remove it. A holder whose event loop stalls keeps
// its lock (proper-lockfile checks the mtime is still its own); STALE_MS is generous so that a
// second process does not take over from a busy holder.

const STALE_MS = 10_000;

/** Another process holds the directory: start-up stops with this one line. */
export class DataDirLockedError extends ConfigError {}

/** Takes the lock on `dataDir` (created if missing) → its release. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  const lockfilePath = path.join(dataDir, "server.lock");
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath,
      stale: STALE_MS,
      update: 1_000,
      // Waits a little longer than STALE_MS: a lock left by a crashed process is taken over.
      retries: { retries: 12, factor: 1, minTimeout: 1_000, maxTimeout: 1_000 },
      // Someone removed or took our lock (or we stalled past STALE_MS): stop before two writers meet.
      onCompromised: (err) => {
        process.stderr.write(`The lock on DATA_DIR ${dataDir} was lost (${err.message}): stopping\n`);
        process.exit(1);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
    throw new DataDirLockedError(
      `DATA_DIR ${dataDir} is in use by another server process (lock ${lockfilePath}): stop it, or give this process its own DATA_DIR`,
    );
  }
}
