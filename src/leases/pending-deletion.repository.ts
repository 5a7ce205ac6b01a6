import type { Selectable } from "kysely";
import type { Executor, Trx } from "../db/database.js";
import type { PendingDeletionsTable } from "../db/tables/lease.table.js";
import { STATUS_DELETE_FAILED, STATUS_DELETING } from "../dynamic-secrets/dynamic-secret.types.js";
import type { LeaseScope } from "./lease.repository.js";

// Kysely only: the `pending_deletions` rows of D29 for projects, environments and folders.

export type PendingDeletion = { id: string; scope: LeaseScope };

function toDomain(row: Row): PendingDeletion {
  const scope: LeaseScope = row.project_id
    ? { projectId: row.project_id }
    : row.environment_id
      ? { environmentId: row.environment_id }
      : { folderId: row.folder_id! };
  return { id: row.id, scope };
}

const COLUMNS = ["id", "project_id", "environment_id", "folder_id"] as const;
type Row = Pick<Selectable<PendingDeletionsTable>, (typeof COLUMNS)[number]>;

/** Idempotent: a second DELETE of the same container keeps the one row. */
export async function recordPendingDeletion(trx: Trx, scope: LeaseScope): Promise<void> {
  await trx
    .insertInto("pending_deletions")
    .values({
      project_id: "projectId" in scope ? scope.projectId : null,
      environment_id: "environmentId" in scope ? scope.environmentId : null,
      folder_id: "folderId" in scope ? scope.folderId : null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function listPendingDeletions(db: Executor, limit: number): Promise<PendingDeletion[]> {
  const rows = await db.selectFrom("pending_deletions").select(COLUMNS).orderBy("created_at").limit(limit).execute();
  return rows.map(toDomain);
}

/** The row locked unless another worker holds it (SKIP LOCKED); undefined once its container is gone. */
export async function tryLockPendingDeletion(trx: Trx, id: string): Promise<PendingDeletion | undefined> {
  const row = await trx.selectFrom("pending_deletions").select(COLUMNS).where("id", "=", id).forUpdate().skipLocked().executeTakeFirst();
  return row && toDomain(row);
}

/**
 * D29: these secrets wait for their leases to be revoked. `restart` (a new DELETE) also takes back
 * the ones whose last attempt failed; the worker only takes secrets that were not being deleted.
 */
export async function markSecretsDeleting(trx: Trx, ids: readonly string[], restart: boolean): Promise<void> {
  if (ids.length === 0) return;
  let query = trx.updateTable("dynamic_secrets").set({ status: STATUS_DELETING, status_details: null }).where("id", "in", ids);
  query = restart
    ? query.where((eb) => eb.or([eb("status", "is", null), eb("status", "=", STATUS_DELETE_FAILED)]))
    : query.where("status", "is", null);
  await query.execute();
}
