import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig, rootKeyIdOf } from "../../../src/config.js";
import { CipherError, generateKey } from "../../../src/kms/cipher.js";
import { assertRootKeyMatches, createKmsService, RootKeyMismatchError, rotateRootKey } from "../../../src/kms/kms.service.js";
import { runRotateRootKeyCli } from "../../../src/kms/rotate-root-key-cli.js";
import { createEmbeddedDb } from "../../../src/db/client.js";
import { migrateToLatestOrThrow } from "../../../src/db/migrator.js";
import { TEST_AUTH_SECRET } from "../../support/app.js";
import { createTestDb, usingRealPostgres, type TestDb } from "../../support/db.js";
import { insertProjectRow } from "../../support/factories.js";

// The KMS on the real database: lazy data keys, envelope round trips, root-key rotation (function and CLI).

let testDb: TestDb;
const rootKey = generateKey();
const root = { rootKey, rootKeyId: rootKeyIdOf(rootKey) };

async function newProject(slug: string): Promise<string> {
  return (await insertProjectRow(testDb.db, slug)).id;
}

beforeAll(async () => {
  testDb = await createTestDb();
});
afterAll(async () => {
  await testDb?.destroy();
});

describe("KMS", () => {
  test("creates one wrapped data key per project on first use, idempotently under concurrency", async () => {
    const projectId = await newProject("kms-lazy");
    const kms = createKmsService({ db: testDb.db, ...root });
    const others = [createKmsService({ db: testDb.db, ...root }), createKmsService({ db: testDb.db, ...root })];
    const ciphers = await Promise.all([kms, ...others].map((k) => k.forProject(projectId)));
    const rows = await testDb.db.selectFrom("project_data_keys").selectAll().where("project_id", "=", projectId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.root_key_id).toBe(root.rootKeyId);
    // Every instance converged on the winner's key: each decrypts the others' ciphertext.
    const blob = ciphers[1]!.encryptJson({ secret: "JBSWY3DPEHPK3PXP" });
    expect(ciphers[0]!.decryptJson(blob)).toEqual({ secret: "JBSWY3DPEHPK3PXP" });
    expect(ciphers[2]!.decryptJson(blob)).toEqual({ secret: "JBSWY3DPEHPK3PXP" });
    // The stored key is wrapped: the raw data key never appears in the row.
    expect(Buffer.from(rows[0]!.wrapped_key).length).toBe(1 + 12 + 16 + 32);
  });

  test("projects have different data keys", async () => {
    const kms = createKmsService({ db: testDb.db, ...root });
    const a = await kms.forProject(await newProject("kms-a"));
    const b = await kms.forProject(await newProject("kms-b"));
    expect(() => b.decryptJson(a.encryptJson({ x: 1 }))).toThrow(CipherError);
  });

  test("a server with another root key refuses to use the data key", async () => {
    const projectId = await newProject("kms-mismatch");
    await createKmsService({ db: testDb.db, ...root }).forProject(projectId);
    const otherKey = generateKey();
    const other = createKmsService({ db: testDb.db, rootKey: otherKey, rootKeyId: rootKeyIdOf(otherKey) });
    await expect(other.forProject(projectId)).rejects.toBeInstanceOf(RootKeyMismatchError);
  });

  test("rotation re-wraps every data key in one transaction without touching the data", async () => {
    const projectId = await newProject("kms-rotate");
    const before = createKmsService({ db: testDb.db, ...root });
    const blob = (await before.forProject(projectId)).encryptJson({ password: "p" });
    const keyBefore = await testDb.db.selectFrom("project_data_keys").selectAll().where("project_id", "=", projectId).executeTakeFirstOrThrow();

    const newKey = generateKey();
    const next = { rootKey: newKey, rootKeyId: rootKeyIdOf(newKey) };
    const result = await rotateRootKey(testDb.db, root, next);
    expect(result.rewrapped).toBeGreaterThanOrEqual(1);

    const keyAfter = await testDb.db.selectFrom("project_data_keys").selectAll().where("project_id", "=", projectId).executeTakeFirstOrThrow();
    expect(keyAfter.root_key_id).toBe(next.rootKeyId);
    expect(Buffer.from(keyAfter.wrapped_key).equals(Buffer.from(keyBefore.wrapped_key))).toBe(false);
    // Old ciphertext opens with the new root key; the old root key no longer does.
    expect((await createKmsService({ db: testDb.db, ...next }).forProject(projectId)).decryptJson(blob)).toEqual({ password: "p" });
    await expect(createKmsService({ db: testDb.db, ...root }).forProject(projectId)).rejects.toBeInstanceOf(RootKeyMismatchError);

    // Running it again is harmless; rotating back restores the original wrapping.
    expect((await rotateRootKey(testDb.db, root, next)).rewrapped).toBe(0);
    await rotateRootKey(testDb.db, next, root);
    expect((await createKmsService({ db: testDb.db, ...root }).forProject(projectId)).decryptJson(blob)).toEqual({ password: "p" });
  });

  test("a failed rotation changes nothing", async () => {
    const projectId = await newProject("kms-atomic");
    await createKmsService({ db: testDb.db, ...root }).forProject(projectId);
    // A data key wrapped by a third, unknown root key makes the rotation fail midway.
    const stranger = await newProject("kms-stranger");
    await testDb.db.insertInto("project_data_keys").values({ project_id: stranger, wrapped_key: Buffer.alloc(61), root_key_id: "unknown" }).execute();
    const snapshot = await testDb.db.selectFrom("project_data_keys").select(["project_id", "root_key_id"]).orderBy("project_id").execute();
    const newKey = generateKey();
    await expect(rotateRootKey(testDb.db, root, { rootKey: newKey, rootKeyId: rootKeyIdOf(newKey) })).rejects.toBeInstanceOf(RootKeyMismatchError);
    expect(await testDb.db.selectFrom("project_data_keys").select(["project_id", "root_key_id"]).orderBy("project_id").execute()).toEqual(snapshot);
    await testDb.db.deleteFrom("project_data_keys").where("project_id", "=", stranger).execute();
  });
});

describe("npm run rotate-root-key", () => {
  const lines: string[] = [];
  const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };

  test("refuses a missing or malformed NEW_ROOT_ENCRYPTION_KEY", async () => {
    lines.length = 0;
    const env = { DATABASE_URL: "postgres://127.0.0.1:1/none", ROOT_ENCRYPTION_KEY: rootKey.toString("base64"), AUTH_SECRET: TEST_AUTH_SECRET };
    expect(await runRotateRootKeyCli(env, out)).toBe(1);
    expect(await runRotateRootKeyCli({ ...env, NEW_ROOT_ENCRYPTION_KEY: "short" }, out)).toBe(1);
    expect(await runRotateRootKeyCli({ ...env, NEW_ROOT_ENCRYPTION_KEY: rootKey.toString("base64") }, out)).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^ERR Missing configuration: NEW_ROOT_ENCRYPTION_KEY must be 32 bytes/),
      expect.stringMatching(/^ERR Missing configuration: NEW_ROOT_ENCRYPTION_KEY must be 32 bytes/),
      "ERR NEW_ROOT_ENCRYPTION_KEY is the key already in use: nothing to rotate",
    ]);
  });

  test.runIf(usingRealPostgres())("the CLI re-wraps the keys of a real database and says what to set next", async () => {
    const projectId = await newProject("kms-cli");
    const blob = (await createKmsService({ db: testDb.db, ...root }).forProject(projectId)).encryptJson({ k: "v" });
    const newKey = generateKey();
    const { stdout } = await promisify(execFile)("npx", ["tsx", "src/kms/rotate-root-key-cli.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: testDb.url!,
        ROOT_ENCRYPTION_KEY: rootKey.toString("base64"),
        NEW_ROOT_ENCRYPTION_KEY: newKey.toString("base64"),
        AUTH_SECRET: TEST_AUTH_SECRET,
      },
    });
    expect(stdout).toMatch(/^Re-wrapped \d+ project data key\(s\) under root key [0-9a-f]{16}/);
    expect(stdout).toContain("Next: set ROOT_ENCRYPTION_KEY to the value of NEW_ROOT_ENCRYPTION_KEY");
    expect(stdout).not.toContain(newKey.toString("base64"));
    const next = { rootKey: newKey, rootKeyId: rootKeyIdOf(newKey) };
    expect((await createKmsService({ db: testDb.db, ...next }).forProject(projectId)).decryptJson(blob)).toEqual({ k: "v" });
    await rotateRootKey(testDb.db, next, root);
  });

  test("the CLI re-wraps the keys of an embedded database (DATA_DIR)", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "dsapi-rotate-"));
    try {
      let handle = await createEmbeddedDb(dataDir);
      await migrateToLatestOrThrow(handle.db);
      const project = await insertProjectRow(handle.db);
      const blob = (await createKmsService({ db: handle.db, ...root }).forProject(project.id)).encryptJson({ k: "embedded" });
      await handle.db.destroy();

      const newKey = generateKey();
      const { stdout } = await promisify(execFile)("npx", ["tsx", "src/kms/rotate-root-key-cli.ts"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DATA_DIR: dataDir,
          ROOT_ENCRYPTION_KEY: rootKey.toString("base64"),
          NEW_ROOT_ENCRYPTION_KEY: newKey.toString("base64"),
          AUTH_SECRET: TEST_AUTH_SECRET,
        },
      });
      expect(stdout).toContain("Re-wrapped 1 project data key(s)");
      expect(stdout).toContain("embedded PGlite");

      handle = await createEmbeddedDb(dataDir);
      try {
        const next = { rootKey: newKey, rootKeyId: rootKeyIdOf(newKey) };
        expect((await createKmsService({ db: handle.db, ...next }).forProject(project.id)).decryptJson(blob)).toEqual({ k: "embedded" });
      } finally {
        await handle.db.destroy();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000); // a tsx start-up and PGlite twice: over 60 s on a loaded 2-core machine

  test("on the embedded default (no NEW key given) it generates a key and updates secrets.json atomically, keeping a 0600 backup", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "dsapi-rotate-file-"));
    try {
      const before = loadConfig({ DATA_DIR: dataDir });
      const file = path.join(dataDir, "secrets.json");
      const oldFile = readFileSync(file, "utf8");
      let handle = await createEmbeddedDb(dataDir);
      await migrateToLatestOrThrow(handle.db);
      const project = await insertProjectRow(handle.db);
      const blob = (await createKmsService({ db: handle.db, ...before }).forProject(project.id)).encryptJson({ k: "file" });
      await handle.db.destroy();

      lines.length = 0;
      expect(await runRotateRootKeyCli({ DATA_DIR: dataDir }, out)).toBe(0);
      const after = loadConfig({ DATA_DIR: dataDir });
      expect(after.rootKeyId).not.toBe(before.rootKeyId);
      expect(after.authSecret).toBe(before.authSecret);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const backups = readdirSync(dataDir).filter((f) => f.startsWith("secrets.json.") && f.endsWith(".bak"));
      expect(backups).toHaveLength(1);
      const backup = path.join(dataDir, backups[0]!);
      expect(statSync(backup).mode & 0o777).toBe(0o600);
      expect(readFileSync(backup, "utf8")).toBe(oldFile);
      expect(existsSync(`${file}.new`)).toBe(false);
      expect(lines).toEqual([
        `Re-wrapped 1 project data key(s) under root key ${after.rootKeyId} in embedded PGlite in ${dataDir}.`,
        `Updated ${file} with the new root key (id ${after.rootKeyId}); the previous file is kept as ${backup} (mode 0600): delete it once you no longer need it. Restart the server.`,
      ]);
      expect(lines.join("\n")).not.toContain(after.rootKey.toString("base64"));

      handle = await createEmbeddedDb(dataDir);
      try {
        await assertRootKeyMatches(handle.db, after.rootKeyId);
        await expect(assertRootKeyMatches(handle.db, before.rootKeyId)).rejects.toThrow(
          `Root key mismatch: the configured root key has id ${before.rootKeyId}, but project data keys are wrapped by another root key (1 under root key id ${after.rootKeyId}); start with the root key that wrapped them, or rotate with npm run rotate-root-key`,
        );
        expect((await createKmsService({ db: handle.db, ...after }).forProject(project.id)).decryptJson(blob)).toEqual({ k: "file" });
      } finally {
        await handle.db.destroy();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  test("on the embedded default a failed rotation leaves secrets.json as it was and no backup behind", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "dsapi-rotate-fail-"));
    try {
      const before = loadConfig({ DATA_DIR: dataDir });
      const oldFile = readFileSync(path.join(dataDir, "secrets.json"), "utf8");
      const handle = await createEmbeddedDb(dataDir);
      await migrateToLatestOrThrow(handle.db);
      const project = await insertProjectRow(handle.db);
      // A key the current root key did not wrap: the rotation must stop and change nothing.
      await handle.db.insertInto("project_data_keys").values({ project_id: project.id, wrapped_key: Buffer.alloc(61), root_key_id: "unknown" }).execute();
      await handle.db.destroy();

      lines.length = 0;
      expect(await runRotateRootKeyCli({ DATA_DIR: dataDir }, out)).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/^ERR Rotation failed, nothing was changed: The data key of project .* is wrapped by root key unknown/)]);
      expect(readdirSync(dataDir).filter((f) => f.startsWith("secrets.json"))).toEqual(["secrets.json"]);
      expect(readFileSync(path.join(dataDir, "secrets.json"), "utf8")).toBe(oldFile);
      expect(loadConfig({ DATA_DIR: dataDir }).rootKeyId).toBe(before.rootKeyId);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
