import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { createEmbeddedDb } from "../../src/db/client.js";
import { migrateToLatestOrThrow } from "../../src/db/migrator.js";
import { loadConfig } from "../../src/config.js";
import { createKmsService } from "../../src/kms/kms.service.js";
import { startServerProcess } from "../support/server-process.js";
import { insertProjectRow } from "../support/factories.js";

test("npm start on the embedded database: serves /api/status, finishes a request in flight on SIGTERM, exits 0", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ds-life-"));
  const server = await startServerProcess({ DATA_DIR: dataDir });
  expect(server.output()).toContain("generated now");
  expect(server.output()).toContain("/api/v1/admin/bootstrap");

  const status = await fetch(`${server.baseUrl}/api/status`);
  expect(status.status).toBe(200);
  expect(await status.json()).toMatchObject({ message: "Ok", database: "ok" });

  // A request whose body is still arriving when SIGTERM comes must be answered, not cut.
  const url = new URL(`${server.baseUrl}/api/v1/no-such-route`);
  const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": "13" } },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.write('{"slow":');
    setTimeout(() => {
      server.child.kill("SIGTERM");
      setTimeout(() => req.end('true}'), 300);
    }, 200);
  });
  const answered = await inFlight;
  expect(answered.status).toBe(404);
  expect(JSON.parse(answered.body)).toMatchObject({ statusCode: 404, error: "NotFound" });
  expect(await server.exited).toBe(0);

  // Restart on the same DATA_DIR: the generated keys are reused, not regenerated.
  const again = await startServerProcess({ DATA_DIR: dataDir });
  expect(again.output()).not.toContain("generated now");
  expect((await fetch(`${again.baseUrl}/api/status`)).status).toBe(200);
  again.child.kill("SIGINT");
  expect(await again.exited).toBe(0);
}, 120_000);

test("a malformed variable stops start-up with one line naming it", async () => {
  await expect(startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), "ds-bad-")), PORT: "99999" })).rejects.toThrow(
    /exited with 1:\nInvalid configuration: PORT /,
  );
}, 60_000);

test("the embedded database keeps its data across a restart", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ds-pglite-"));
  const first = await createEmbeddedDb(dataDir);
  await migrateToLatestOrThrow(first.db);
  await first.db.insertInto("organizations").values({ name: "Acme", slug: "acme-kept" }).execute();
  await first.db.destroy();

  const second = await createEmbeddedDb(dataDir);
  expect(await migrateToLatestOrThrow(second.db)).toEqual([]);
  const row = await second.db.selectFrom("organizations").select(["name", "slug"]).executeTakeFirst();
  expect(row).toEqual({ name: "Acme", slug: "acme-kept" });
  await second.db.destroy();
}, 60_000);

test("npm run migrate applies the migrations once, needing no keys", async () => {
  const { execFileSync } = await import("node:child_process");
  const dataDir = mkdtempSync(path.join(tmpdir(), "ds-migrate-"));
  const run = () =>
    execFileSync(process.execPath, ["--import", "tsx", "src/db/migrate-cli.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir },
      encoding: "utf8",
    });
  expect(run()).toMatch(/^Applied: 20260101T000000_identities_tokens, /);
  expect(run().trim()).toBe("Database is up to date");
}, 180_000); // two tsx start-ups and the migrations on PGlite: over 60 s on a loaded 2-core machine

test("a start with another root key than the one that wrapped the data keys exits 1 with one line naming both key ids", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ds-wrongkey-"));
  const config = loadConfig({ DATA_DIR: dataDir });
  const handle = await createEmbeddedDb(dataDir);
  await migrateToLatestOrThrow(handle.db);
  const project = await insertProjectRow(handle.db);
  await createKmsService({ db: handle.db, ...config }).forProject(project.id);
  await handle.db.destroy();

  const wrongKey = Buffer.alloc(32, 3);
  const wrongId = loadConfig({ DATA_DIR: dataDir, ROOT_ENCRYPTION_KEY: wrongKey.toString("base64") }).rootKeyId;
  const failed = await startServerProcess({ DATA_DIR: dataDir, ROOT_ENCRYPTION_KEY: wrongKey.toString("base64") }).catch((err: Error) => err.message);
  const lines = String(failed).split("\n").filter((l) => l.trim() !== "");
  expect(lines).toEqual([
    "server exited with 1:",
    `Root key mismatch: the configured root key has id ${wrongId}, but project data keys are wrapped by another root key (1 under root key id ${config.rootKeyId}); start with the root key that wrapped them, or rotate with npm run rotate-root-key`,
  ]);
}, 90_000);
