import type { Db } from "../db/database.js";
import { createCaches, type Caches } from "../lib/caches.js";
import { decrypt, decryptJson, encrypt, encryptJson, generateKey } from "./cipher.js";
import { countDataKeysByOtherRootKeys, findDataKey, insertDataKeyIfAbsent, lockAllDataKeys, updateWrappedKey } from "./kms.repository.js";

// Envelope encryption: the root key (config) wraps one random data key per project; provider
// inputs are encrypted under the project's data key. Only wrapped keys are stored.

export type ProjectCipher = {
  encryptJson(value: unknown): Buffer;
  decryptJson(blob: Uint8Array): unknown;
};

/** A data key wrapped under another root key than the configured one: the server cannot read it. */
export class RootKeyMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RootKeyMismatchError";
  }

  static forProject(projectId: string, storedRootKeyId: string): RootKeyMismatchError {
    return new RootKeyMismatchError(`The data key of project ${projectId} is wrapped by root key ${storedRootKeyId}, not by the configured root key`);
  }
}

/**
 * At start-up: every stored data key must be wrapped by the configured root key; otherwise the
 * server would answer 500 on every secret, so it names the mismatch in one line and refuses to start.
 */
export async function assertRootKeyMatches(db: Db, rootKeyId: string): Promise<void> {
  const others = await countDataKeysByOtherRootKeys(db, rootKeyId);
  if (others.length === 0) return;
  const found = others.map((o) => `${o.count} under root key id ${o.rootKeyId}`).join(", ");
  throw new RootKeyMismatchError(
    `Root key mismatch: the configured root key has id ${rootKeyId}, but project data keys are wrapped by another root key (${found}); ` +
      "start with the root key that wrapped them, or rotate with npm run rotate-root-key",
  );
}

// The wrapped key is bound to its project: a wrapped key copied to another project does not unwrap.
const wrapContext = (projectId: string) => Buffer.from(`project-data-key:${projectId}`, "utf8");

export function wrapDataKey(rootKey: Uint8Array, projectId: string, dataKey: Uint8Array): Buffer {
  return encrypt(rootKey, dataKey, wrapContext(projectId));
}

export function unwrapDataKey(rootKey: Uint8Array, projectId: string, wrappedKey: Uint8Array): Buffer {
  return decrypt(rootKey, wrappedKey, wrapContext(projectId));
}

export function createKmsService({
  db,
  rootKey,
  rootKeyId,
  caches = createCaches(),
}: {
  db: Db;
  rootKey: Uint8Array;
  rootKeyId: string;
  caches?: Pick<Caches, "dataKeys">;
}) {
  const cache = caches.dataKeys;

  async function dataKeyOf(projectId: string): Promise<Buffer> {
    const cached = cache.get(projectId);
    if (cached) return cached;
    let stored = await findDataKey(db, projectId);
    if (!stored) {
      await insertDataKeyIfAbsent(db, { projectId, wrappedKey: wrapDataKey(rootKey, projectId, generateKey()), rootKeyId });
      stored = await findDataKey(db, projectId);
      if (!stored) throw new Error(`The data key of project ${projectId} could not be created`);
    }
    if (stored.rootKeyId !== rootKeyId) throw RootKeyMismatchError.forProject(projectId, stored.rootKeyId);
    const key = unwrapDataKey(rootKey, projectId, stored.wrappedKey);
    cache.set(projectId, key);
    return key;
  }

  return {
    /**
     * The cipher of a project's data key, creating the key on first use. Uses the pool, so call it
     * before opening a transaction (the embedded database has a single connection).
     */
    async forProject(projectId: string): Promise<ProjectCipher> {
      const key = await dataKeyOf(projectId);
      return {
        encryptJson: (value) => encryptJson(key, value),
        decryptJson: (blob) => decryptJson(key, blob),
      };
    },
  };
}

export type KmsService = ReturnType<typeof createKmsService>;

export type RotationResult = { rewrapped: number; alreadyCurrent: number };

/**
 * Re-wraps every project data key under `newRootKey` in one transaction. Data (ciphertext under the
 * data keys) is untouched. Keys already wrapped by the new root key are left as they are, so a
 * rotation interrupted after commit can simply be run again.
 */
export async function rotateRootKey(
  db: Db,
  from: { rootKey: Uint8Array; rootKeyId: string },
  to: { rootKey: Uint8Array; rootKeyId: string },
): Promise<RotationResult> {
  return db.transaction().execute(async (trx) => {
    const keys = await lockAllDataKeys(trx);
    let rewrapped = 0;
    let alreadyCurrent = 0;
    for (const key of keys) {
      if (key.rootKeyId === to.rootKeyId) {
        alreadyCurrent += 1;
        continue;
      }
      if (key.rootKeyId !== from.rootKeyId) throw RootKeyMismatchError.forProject(key.projectId, key.rootKeyId);
      const dataKey = unwrapDataKey(from.rootKey, key.projectId, key.wrappedKey);
      await updateWrappedKey(trx, {
        projectId: key.projectId,
        wrappedKey: wrapDataKey(to.rootKey, key.projectId, dataKey),
        rootKeyId: to.rootKeyId,
      });
      rewrapped += 1;
    }
    return { rewrapped, alreadyCurrent };
  });
}
