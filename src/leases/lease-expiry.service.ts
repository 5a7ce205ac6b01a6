import type { Db, Executor, Trx } from "../db/database.js";
import * as secrets from "../dynamic-secrets/dynamic-secret.repository.js";
import { STATUS_DELETE_FAILED, STATUS_DELETING, type DynamicSecret } from "../dynamic-secrets/dynamic-secret.types.js";
import * as repo from "./lease.repository.js";
import { afterFailedRevocation, failureDetails } from "./lease.state.js";
import type { LeaseQueue } from "./lease.service.js";
import type { TargetClient } from "./revocation.js";
import { finishPendingDeletions } from "./container-deletion.js";

// The expiration manager (D25–D27, D29): what the job queue and the sweep ask for. Every step
// claims the row it acts on (lease.state.ts), so running a step twice, or on two replicas at once,
// revokes once: the row decides. No transaction is open while a target answers.

export type LeaseExpiryDeps = {
  db: Db;
  target: TargetClient;
  queue: LeaseQueue;
  /** D25: `creating` rows older than this are a dead process's; see lease.state.ts. */
  staleCreatingMs: number;
  /** Parallel revocations of one sweep (each holds a pool connection while the target answers). */
  concurrency?: number;
};

export type SweepResult = { revoked: number; failed: number };

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  });
  await Promise.all(lanes);
}

export function createLeaseExpiryService(deps: LeaseExpiryDeps) {
  const { db, target } = deps;
  const concurrency = deps.concurrency ?? 4;

  /** The secret and its decrypted inputs, read before any transaction (see revocation.ts). */
  async function parentOf(executor: Executor, dynamicSecretId: string) {
    const secret = await secrets.findDynamicSecretById(executor, dynamicSecretId);
    const projectId = secret && (await repo.projectIdOfSecret(executor, dynamicSecretId));
    if (!secret || !projectId) return undefined;
    return { secret, inputs: await target.inputsOf(secret, projectId) };
  }

  /**
   * Revokes the lease if it is due and no one else has claimed it. The claim is committed before
   * the target is called, and no transaction is open while it answers. A failure is recorded,
   * never thrown.
   */
  async function revokeDue(leaseId: string): Promise<"revoked" | "failed" | "skipped"> {
    const seen = await repo.findLease(db, leaseId);
    const parent = seen && (await parentOf(db, seen.dynamicSecretId));
    if (!parent) return "skipped";
    const lease = await repo.claimForRevocation(db, leaseId, "due", deps.staleCreatingMs);
    if (!lease) return "skipped";
    const result = await target.revoke(parent.secret, parent.inputs, lease);
    if (result.ok) {
      await repo.deleteLease(db, lease.id);
      return "revoked";
    }
    // D27, and D25 for a dead process's `creating` row: its credential may exist, so a failed
    // revocation keeps the row, now visible as `Failed to delete`, and retries with backoff.
    const next = afterFailedRevocation(lease.revokeAttempts, result.message);
    await repo.markRevocationFailed(db, lease.id, next);
    deps.queue.schedule(leaseId, new Date(Date.now() + next.retryInMs));
    return "failed";
  }

  /**
   * D29: revokes the leases of a secret being deleted one by one, deleting each row once its
   * credential is gone, then the secret. A failure stops the pass and marks the secret
   * `Failed to delete`.
   */
  async function pruneSecret(dynamicSecretId: string): Promise<void> {
    for (const lease of await repo.listLeases(db, dynamicSecretId)) {
      const parent = await parentOf(db, dynamicSecretId);
      if (!parent || parent.secret.status !== STATUS_DELETING) return;
      const claimed = await repo.claimForRevocation(db, lease.id, "visible", deps.staleCreatingMs);
      if (!claimed) return; // another replica or request has it: the next pass sees it
      const result = await target.revoke(parent.secret, parent.inputs, claimed);
      if (result.ok) {
        await repo.deleteLease(db, claimed.id);
        continue;
      }
      await db.transaction().execute(async (trx) => {
        await repo.markRevocationFailed(trx, claimed.id, afterFailedRevocation(claimed.revokeAttempts, result.message));
        await secrets.setDynamicSecretStatus(trx, dynamicSecretId, STATUS_DELETE_FAILED, failureDetails(result.message));
      });
      return;
    }
    await db.transaction().execute(async (trx) => {
      const locked = await secrets.lockDynamicSecret(trx, dynamicSecretId);
      if (!locked || locked.status !== STATUS_DELETING) return;
      if ((await repo.countLeases(trx, dynamicSecretId)) > 0) return; // a `creating` row finishes first
      await secrets.deleteDynamicSecret(trx, dynamicSecretId);
    });
  }

  /**
   * Everything due now: expired and retry-due leases, stale `creating` rows, secrets being deleted,
   * then the projects, environments and folders waiting for those (D29).
   */
  async function sweep(limit = 500): Promise<SweepResult> {
    const result: SweepResult = { revoked: 0, failed: 0 };
    const ids = await repo.findDueLeaseIds(db, deps.staleCreatingMs, limit);
    await forEachLimited(ids, concurrency, async (id) => {
      const outcome = await revokeDue(id);
      if (outcome === "revoked") result.revoked += 1;
      if (outcome === "failed") result.failed += 1;
    });
    for (const id of await repo.findSecretIdsWithStatus(db, STATUS_DELETING, 50)) await pruneSecret(id);
    await finishPendingDeletions(db);
    return result;
  }

  return { revokeDue, pruneSecret, sweep };
}

export type LeaseExpiryService = ReturnType<typeof createLeaseExpiryService>;

/**
 * D29, inside the secret's delete transaction (its row locked): true when the secret may be
 * deleted now — no leases, or `isForced` after a best-effort revoke of each — false when the
 * leases must first be revoked in the background.
 */
export async function revokeLeasesBeforeDelete(
  trx: Trx,
  target: TargetClient,
  secret: DynamicSecret,
  /** The secret's decrypted inputs (decrypted before the transaction); needed when forced. */
  inputs: unknown,
  isForced: boolean,
): Promise<boolean> {
  const leases = await repo.lockLeasesOfSecret(trx, secret.id);
  if (leases.length === 0) return true;
  if (!isForced) return false;
  for (const lease of leases) await target.revoke(secret, inputs, lease);
  return true;
}
