import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

// A throwaway PostgreSQL cluster for fault tests: initdb + pg_ctl in a temporary directory, on a
// free loopback port, so a test can stop, restart or crash it without touching the shared server.
// initdb and postgres refuse to run as root: as root, every command runs as the `postgres` OS user
// (runuser) in a directory it owns. Removed by destroy(), and on process exit if a test forgot.

const run = promisify(execFile);

export type ShutdownMode = "smart" | "fast" | "immediate";

export type ThrowawayCluster = {
  port: number;
  /** Connection string (user postgres, trust) to `database` on this cluster. */
  url: (database?: string) => string;
  start: () => Promise<void>;
  stop: (mode: ShutdownMode) => Promise<void>;
  /** `pg_ctl restart -m <mode>`; resolves once the cluster accepts connections again. */
  restart: (mode: ShutdownMode) => Promise<void>;
  /**
   * Polls with fresh connections every `everyMs`: resolves with the time (Date.now()) of the first
   * one that succeeds after at least one has failed, i.e. when the cluster accepts connections again.
   */
  backUpAt: (everyMs?: number, timeoutMs?: number) => Promise<number>;
  destroy: () => Promise<void>;
};

function newestBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))) : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}`);
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0]!, "bin");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const bin = newestBinDir();
  const root = mkdtempSync(path.join(tmpdir(), "ds-pgcluster-"));
  const dataDir = path.join(root, "data");
  const asRoot = process.getuid?.() === 0;
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
  }
  const pgCtl = async (...args: string[]) => {
    const [file, argv] = command("pg_ctl", ["-D", dataDir, ...args]);
    await run(file, argv, { timeout: 60_000 });
  };

  const port = await freePort();
  // Durability settings stay as in production except fsync (the OS does not crash here): a commit
  // acknowledged to the server is on disk for crash recovery after an immediate shutdown.
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const [initdb, initArgs] = command("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  await run(initdb, initArgs, { timeout: 120_000 });

  const stopNow = () => {
    try {
      const [file, argv] = command("pg_ctl", ["-D", dataDir, "stop", "-m", "immediate"]);
      execFileSync(file, argv, { stdio: "ignore", timeout: 30_000 });
    } catch {
      // already stopped
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", stopNow);

  const start = () => pgCtl("start", "-w", "-t", "60", "-l", path.join(root, "server.log"), "-o", options);
  await start();

  return {
    port,
    url,
    start,
    stop: (mode) => pgCtl("stop", "-w", "-m", mode),
    restart: (mode) => pgCtl("restart", "-w", "-t", "60", "-m", mode, "-l", path.join(root, "server.log"), "-o", options),
    backUpAt: async (everyMs = 10, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      let wasDown = false;
      for (;;) {
        const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1_000 });
        client.on("error", () => undefined);
        try {
          await client.connect();
          const at = Date.now();
          await client.end();
          if (wasDown) return at;
        } catch (err) {
          wasDown = true;
          if (Date.now() > deadline) throw err;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    destroy: async () => {
      process.removeListener("exit", stopNow);
      stopNow();
    },
  };
}
