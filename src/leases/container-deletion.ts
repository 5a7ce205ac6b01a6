import type { Db, Trx } from "../db/database.js";
import { deleteContainer } from "../projects/containers.js";
import { lockSecretsWithLeases, type LeaseScope } from "./lease.repository.js";
import * as pending from "./pending-deletion.repository.js";

// D29 for a project, an environment or a folder (as deleting one dynamic secret does). Their
// delete cascades to the dynamic secrets below; a cascade over lease rows would leave the
// credentials alive in their targets with nothing left to revoke them (nor the project key to
// decrypt the target's inputs). So:
// - no lease below: the container is deleted at once;
// - leases below: the secrets that hold them become `Revocation in process`, the container's
//   deletion is recorded, and the request answers 200. The expiry worker prunes those secrets
//   lease by lease (lease-expiry.service.ts), then deletes the container once no lease remains
//   below it. A failed revocation leaves its secret `Failed to delete` (visible, with
//   statusDetails); a new DELETE of the container starts again.
// Lease creation takes the secret's row lock and refuses a secret being deleted, and the secrets
// are locked here before anything is decided, so no lease can slip in between.

export type ContainerDeletion = "now" | "pending";

/** Inside the container's delete transaction, before the delete: "now" means the caller deletes it. */
export async function deleteNowOrDefer(trx: Trx, scope: LeaseScope): Promise<ContainerDeletion> {
  const leased = await lockSecretsWithLeases(trx, scope);
  if (leased.length === 0) return "now";
  await pending.markSecretsDeleting(trx, leased, true);
  await pending.recordPendingDeletion(trx, scope);
  return "pending";
}

/**
 * The worker's step (each sweep, after the secrets being deleted were pruned): each recorded
 * container with no lease left below it is deleted (its row goes with it). One whose secrets
 * gained a lease meanwhile (a secret created after the DELETE) has those secrets taken into the
 * deletion and waits for the next sweep. Returns how many containers were deleted.
 */
export async function finishPendingDeletions(db: Db, limit = 50): Promise<number> {
  let deleted = 0;
  for (const { id } of await pending.listPendingDeletions(db, limit)) {
    const done = await db.transaction().execute(async (trx) => {
      const row = await pending.tryLockPendingDeletion(trx, id);
      if (!row) return false; // gone with its container, or another replica holds it
      const leased = await lockSecretsWithLeases(trx, row.scope);
      if (leased.length > 0) {
        await pending.markSecretsDeleting(trx, leased, false);
        return false;
      }
      await deleteContainer(trx, row.scope);
      return true;
    });
    if (done) deleted += 1;
  }
  return deleted;
}
