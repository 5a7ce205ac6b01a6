import { sql, type Selectable } from "kysely";
import type { Executor, Trx } from "../db/database.js";
import type { DynamicSecretLeasesTable } from "../db/tables/lease.table.js";
import { isUuid } from "../lib/uuid.js";
import type { Lease } from "./lease.types.js";
import { LeaseStatus } from "./lease.state.js";

// Kysely only. Every time that decides an expiry is the database's now() (D26).

const COLUMNS = [
  "dynamic_secret_leases.id",
  "dynamic_secret_leases.version",
  "dynamic_secret_leases.external_entity_id",
  "dynamic_secret_leases.expire_at",
  "dynamic_secret_leases.status",
  "dynamic_secret_leases.status_details",
  "dynamic_secret_leases.dynamic_secret_id",
  "dynamic_secret_leases.created_at",
  "dynamic_secret_leases.updated_at",
  "dynamic_secret_leases.config",
  "dynamic_secret_leases.revoke_attempts",
] as const;

/** The selected columns, named as Kysely returns them (without the table prefix). */
type Row = Pick<Selectable<DynamicSecretLeasesTable>, (typeof COLUMNS)[number] extends `dynamic_secret_leases.${infer C}` ? C : never>;

function toDomain(row: Row): Lease {
  return {
    id: row.id,
    version: row.version,
    externalEntityId: row.external_entity_id,
    expireAt: row.expire_at,
    status: row.status,
    statusDetails: row.status_details,
    dynamicSecretId: row.dynamic_secret_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    config: row.config ?? null,
    revokeAttempts: row.revoke_attempts,
  };
}

const millis = (ms: number) => sql<Date>`(${ms}::double precision * interval '1 millisecond')`;

/** All rows of a secret, `creating` ones included (the exact limit of D32 counts them). */
export async function countLeases(db: Executor, dynamicSecretId: string): Promise<number> {
  const row = await db
    .selectFrom("dynamic_secret_leases")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dynamic_secret_id", "=", dynamicSecretId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** D25: the row committed before the provider creates anything; expireAt = now() + ttl. */
export async function insertCreatingLease(
  trx: Trx,
  values: { dynamicSecretId: string; externalEntityId: string; ttlMs: number; config: unknown },
): Promise<Lease> {
  const row = await trx
    .insertInto("dynamic_secret_leases")
    .values({
      dynamic_secret_id: values.dynamicSecretId,
      external_entity_id: values.externalEntityId,
      expire_at: sql<Date>`now() + ${millis(values.ttlMs)}`,
      status: LeaseStatus.Creating,
      status_details: null,
      config: values.config === undefined ? null : JSON.stringify(values.config),
      next_attempt_at: null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toDomain(row);
}

export async function findLease(db: Executor, id: string): Promise<Lease | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom("dynamic_secret_leases").select(COLUMNS).where("id", "=", id).executeTakeFirst();
  return row && toDomain(row);
}

/** A visible lease whose secret lives in `folderId` (D31: anything else is "not found"). */
export async function findLeaseInFolder(db: Executor, id: string, folderId: string): Promise<Lease | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom("dynamic_secret_leases")
    .innerJoin("dynamic_secrets", "dynamic_secrets.id", "dynamic_secret_leases.dynamic_secret_id")
    .select(COLUMNS)
    .where("dynamic_secret_leases.id", "=", id)
    .where("dynamic_secrets.folder_id", "=", folderId)
    .where((eb) => eb.or([eb("dynamic_secret_leases.status", "is", null), eb("dynamic_secret_leases.status", "!=", LeaseStatus.Creating)]))
    .executeTakeFirst();
  return row && toDomain(row);
}

/** The row locked until the transaction ends, with the database's clock; undefined once deleted. */
export async function lockLease(trx: Trx, id: string): Promise<{ lease: Lease; now: Date } | undefined> {
  const row = await trx
    .selectFrom("dynamic_secret_leases")
    .select([...COLUMNS, sql<Date>`now()`.as("now")])
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  return row && { lease: toDomain(row), now: row.now };
}

/** Visible leases of a secret, oldest first. */
export async function listLeases(db: Executor, dynamicSecretId: string): Promise<Lease[]> {
  const rows = await db
    .selectFrom("dynamic_secret_leases")
    .select(COLUMNS)
    .where("dynamic_secret_id", "=", dynamicSecretId)
    .where((eb) => eb.or([eb("status", "is", null), eb("status", "!=", LeaseStatus.Creating)]))
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toDomain);
}

/** Every row of a secret, locked (forced deletion revokes them all before the secret goes). */
export async function lockLeasesOfSecret(trx: Trx, dynamicSecretId: string): Promise<Lease[]> {
  const rows = await trx
    .selectFrom("dynamic_secret_leases")
    .select(COLUMNS)
    .where("dynamic_secret_id", "=", dynamicSecretId)
    .orderBy("created_at")
    .forUpdate()
    .execute();
  return rows.map(toDomain);
}

export async function listLeaseIdsOfSecret(db: Executor, dynamicSecretId: string): Promise<string[]> {
  const rows = await db.selectFrom("dynamic_secret_leases").select("id").where("dynamic_secret_id", "=", dynamicSecretId).orderBy("created_at").execute();
  return rows.map((r) => r.id);
}

export async function activateLease(trx: Trx, id: string): Promise<Lease> {
  const row = await trx
    .updateTable("dynamic_secret_leases")
    .set({ status: LeaseStatus.Active })
    .where("id", "=", id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toDomain(row);
}

export async function setLeaseExpiry(trx: Trx, id: string, expireAt: Date): Promise<Lease> {
  const row = await trx
    .updateTable("dynamic_secret_leases")
    .set({ expire_at: expireAt })
    .where("id", "=", id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toDomain(row);
}

export async function markRevocationFailed(
  trx: Executor,
  id: string,
  values: { statusDetails: string; revokeAttempts: number; retryInMs: number },
): Promise<Lease> {
  const row = await trx
    .updateTable("dynamic_secret_leases")
    .set({
      status: LeaseStatus.FailedToDelete,
      status_details: values.statusDetails,
      revoke_attempts: values.revokeAttempts,
      next_attempt_at: sql<Date>`now() + ${millis(values.retryInMs)}`,
    })
    .where("id", "=", id)
    .returning([...COLUMNS, "dynamic_secret_leases.next_attempt_at"])
    .executeTakeFirstOrThrow();
  return toDomain(row);
}

export async function deleteLease(trx: Executor, id: string): Promise<void> {
  await trx.deleteFrom("dynamic_secret_leases").where("id", "=", id).execute();
}

export async function nextAttemptAt(db: Executor, id: string): Promise<Date | undefined> {
  const row = await db.selectFrom("dynamic_secret_leases").select("next_attempt_at").where("id", "=", id).executeTakeFirst();
  return row?.next_attempt_at ?? undefined;
}

/**
 * Due for the expiry worker: active and past expireAt; failed and past the next attempt; or
 * `creating` for longer than `staleCreatingMs` (a process died mid-create, D25). Oldest first.
 */
function dueCondition(staleCreatingMs: number) {
  return sql<boolean>`(
    (status IS NULL AND expire_at <= now())
    OR (status = ${LeaseStatus.FailedToDelete} AND coalesce(next_attempt_at, expire_at) <= now())
    OR (status = ${LeaseStatus.Creating} AND created_at <= now() - ${millis(staleCreatingMs)})
    OR (${staleRevoking(staleCreatingMs)})
  )`;
}

/** A claim whose revoker died (or outlived twice the provider timeout): claimable again. */
const staleRevoking = (staleMs: number) => sql<boolean>`status = ${LeaseStatus.Revoking} AND updated_at <= now() - ${millis(staleMs)}`;

/**
 * Claims the lease for revocation in one UPDATE (its own commit): status `revoking`, if `which`
 * allows the row as it is now — concurrent claimers wait for the row and re-check, so exactly one
 * wins. Returns the row before the claim (its status as it was), or undefined.
 * - `due`: the worker's rule (expired, retry due, stale `creating` or stale `revoking`);
 * - `visible`: any row but `creating` and a live claim (API revoke, a secret's deletion);
 * - `creating`: only a `creating` row (the undo of a create that did not complete).
 */
export async function claimForRevocation(
  db: Executor,
  id: string,
  which: "due" | "visible" | "creating",
  staleMs: number,
): Promise<Lease | undefined> {
  if (!isUuid(id)) return undefined;
  const condition =
    which === "due"
      ? dueCondition(staleMs)
      : which === "creating"
        ? sql<boolean>`status = ${LeaseStatus.Creating}`
        : sql<boolean>`(status IS NULL OR status = ${LeaseStatus.FailedToDelete} OR (${staleRevoking(staleMs)}))`;
  const { rows } = await sql<Row>`
    UPDATE dynamic_secret_leases AS l SET status = ${LeaseStatus.Revoking}
    FROM (SELECT id AS claimed_id, status AS prior_status FROM dynamic_secret_leases WHERE id = ${id} FOR UPDATE) AS before
    WHERE l.id = before.claimed_id AND ${condition}
    RETURNING l.id, l.version, l.external_entity_id, l.expire_at, before.prior_status AS status, l.status_details, l.dynamic_secret_id,
              l.created_at, l.updated_at, l.config, l.revoke_attempts`.execute(db);
  const row = rows[0];
  return row && toDomain(row);
}

export async function findDueLeaseIds(db: Executor, staleCreatingMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("dynamic_secret_leases")
    .select("id")
    .where(dueCondition(staleCreatingMs))
    .orderBy("expire_at")
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** The project a secret belongs to (the worker has no request to tell it). */
export async function projectIdOfSecret(db: Executor, dynamicSecretId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("dynamic_secrets")
    .innerJoin("secret_folders", "secret_folders.id", "dynamic_secrets.folder_id")
    .innerJoin("project_environments", "project_environments.id", "secret_folders.env_id")
    .select("project_environments.project_id")
    .where("dynamic_secrets.id", "=", dynamicSecretId)
    .executeTakeFirst();
  return row?.project_id;
}

/** Secrets whose deletion waits for their leases to be revoked (D29). */
export async function findSecretIdsWithStatus(db: Executor, status: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom("dynamic_secrets").select("id").where("status", "=", status).orderBy("updated_at").limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Where a project-level delete reaches: a whole project, one environment, or a folder and its subfolders. */
export type LeaseScope = { projectId: string } | { environmentId: string } | { folderId: string };

/**
 * Locks the dynamic secrets in `scope` (lease creation takes the same row lock, so none can start
 * until the caller's transaction ends) and returns the ids of those with lease rows, `creating`
 * rows included.
 */
export async function lockSecretsWithLeases(trx: Trx, scope: LeaseScope): Promise<string[]> {
  const folders =
    "folderId" in scope
      ? sql`WITH RECURSIVE sub AS (
              SELECT id FROM secret_folders WHERE id = ${scope.folderId}
              UNION ALL
              SELECT c.id FROM secret_folders c JOIN sub ON c.parent_id = sub.id)
            SELECT id FROM sub`
      : "environmentId" in scope
        ? sql`SELECT id FROM secret_folders WHERE env_id = ${scope.environmentId}`
        : sql`SELECT f.id FROM secret_folders f JOIN project_environments e ON e.id = f.env_id WHERE e.project_id = ${scope.projectId}`;
  const { rows } = await sql<{ id: string }>`
    WITH secrets AS (SELECT ds.id FROM dynamic_secrets ds WHERE ds.folder_id IN (${folders}) ORDER BY ds.id FOR UPDATE)
    SELECT s.id FROM secrets s WHERE EXISTS (SELECT 1 FROM dynamic_secret_leases l WHERE l.dynamic_secret_id = s.id)`.execute(trx);
  return rows.map((r) => r.id);
}

export type LeaseStatistics = { byStatus: { status: string | null; count: number }[]; oldestOverdueSeconds: number };

/**
 * For the metrics (D40), one statement: rows by status, and how long (database clock) the oldest
 * row past its expireAt has been waiting — a revoked lease is deleted, so every such row is overdue.
 */
export async function leaseStatistics(db: Executor): Promise<LeaseStatistics> {
  const rows = await db
    .selectFrom("dynamic_secret_leases")
    .select([
      "status",
      sql<number>`count(*)::int`.as("count"),
      sql<number | null>`extract(epoch from now() - min(expire_at) filter (where expire_at <= now()))::float8`.as("overdue"),
    ])
    .groupBy("status")
    .execute();
  return {
    byStatus: rows.map((r) => ({ status: r.status, count: Number(r.count) })),
    oldestOverdueSeconds: Math.max(0, ...rows.map((r) => Number(r.overdue ?? 0))),
  };
}
