import type { Trx } from "../db/database.js";
import { BadRequestError } from "../lib/errors.js";
import { lockSecretsAndCountLeases, type LeaseScope } from "./lease.repository.js";

// Deleting a project, an environment or a folder cascades to its dynamic secrets; a cascade would
// drop their lease rows and leave the credentials alive in their targets with nothing to revoke
// them. Until those deletes revoke leases themselves (as deleting one secret does, D29), they are
// refused while any lease exists below them.

export function leasesBlockDeleteMessage(what: "project" | "environment" | "folder"): string {
  return `Cannot delete a ${what} whose dynamic secrets have leases; revoke the leases or delete the dynamic secrets first`;
}

/** Inside the delete's transaction, before the delete. */
export async function assertNoLeasesIn(trx: Trx, scope: LeaseScope, what: "project" | "environment" | "folder"): Promise<void> {
  if ((await lockSecretsAndCountLeases(trx, scope)) > 0) throw new BadRequestError(leasesBlockDeleteMessage(what));
}
