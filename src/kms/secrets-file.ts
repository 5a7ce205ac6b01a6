import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Replacing the root key inside the embedded secrets file (DATA_DIR/secrets.json) during a rotation.
// The current file is first copied to a 0600 backup (kept until the user deletes it), the new file is
// written and synced beside it, and only after the database has committed does a rename put it in
// place: the file always holds one complete key, never a half-written one.

export type StagedRootKey = {
  backup: string;
  staged: string;
  /** Atomically replaces the secrets file with the staged one. */
  commit(): void;
  /** Nothing was rotated: removes the staged file and the backup. */
  abort(): void;
};

function writeSynced(file: string, content: string, flag: "wx" | "w"): void {
  writeFileSync(file, content, { mode: 0o600, flag });
  const fd = openSync(file, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function stageRootKeyInSecretsFile(file: string, newRootKey: Buffer, now = new Date()): StagedRootKey {
  const current = readFileSync(file, "utf8");
  const stored = JSON.parse(current) as Record<string, unknown>;
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const backup = `${file}.${stamp}.bak`;
  const staged = `${file}.new`;
  writeSynced(backup, current, "wx");
  try {
    writeSynced(staged, JSON.stringify({ ...stored, rootEncryptionKey: newRootKey.toString("base64") }, null, 2), "w");
  } catch (err) {
    rmSync(backup, { force: true });
    throw err;
  }
  return {
    backup,
    staged,
    commit() {
      renameSync(staged, file);
      const dir = openSync(path.dirname(file), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    },
    abort() {
      rmSync(staged, { force: true });
      rmSync(backup, { force: true });
    },
  };
}
