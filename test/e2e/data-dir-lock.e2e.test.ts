import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { startServerProcess } from "../support/server-process.js";

// D36: the embedded database takes a lock on DATA_DIR; a second process on it exits with one line.

const ROOT = path.resolve(import.meta.dirname, "../..");

const bootstrap = async (baseUrl: string): Promise<number> =>
  (
    await fetch(`${baseUrl}/api/v1/admin/bootstrap`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "lock@example.com", password: "lock-password", organization: "lock" }),
    })
  ).status;

test("a second server on the same DATA_DIR exits 1 with one line; the first keeps serving; a crashed holder's lock is taken over", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ds-lock-"));
  const first = await startServerProcess({ DATA_DIR: dataDir });
  expect(await bootstrap(first.baseUrl)).toBe(200);

  const refused = await startServerProcess({ DATA_DIR: dataDir }).then(
    () => undefined,
    (err: Error) => err.message,
  );
  const lines = refused!.replace(/^server exited with 1:\n/, "").trimEnd().split("\n");
  expect(refused).toMatch(/^server exited with 1:\n/);
  expect(lines).toEqual([
    `DATA_DIR ${dataDir} is in use by another server process (lock ${path.join(dataDir, "server.lock")}): stop it, or give this process its own DATA_DIR`,
  ]);

  // Tools on the embedded database take the same lock.
  const migrate = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/db/migrate-cli.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir },
  }).then(
    () => undefined,
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  expect(migrate?.code).toBe(1);
  expect(migrate?.stderr).toContain(`DATA_DIR ${dataDir} is in use by another server process`);

  // The first server was not disturbed: it still serves, and its instance is set up.
  expect((await fetch(`${first.baseUrl}/api/status`)).status).toBe(200);

  // A crash leaves the lock behind; it goes stale and the next server takes it over.
  first.child.kill("SIGKILL");
  await first.exited;
  expect(existsSync(path.join(dataDir, "server.lock"))).toBe(true);
  const next = await startServerProcess({ DATA_DIR: dataDir });
  // Same data: the instance is already set up.
  expect(await bootstrap(next.baseUrl)).toBe(400);

  // A clean stop releases it.
  next.child.kill("SIGTERM");
  expect(await next.exited).toBe(0);
  expect(existsSync(path.join(dataDir, "server.lock"))).toBe(false);
}, 180_000);
