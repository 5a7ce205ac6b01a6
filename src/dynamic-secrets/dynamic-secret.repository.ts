import { sql, type Selectable } from "kysely";
import type { Executor, Trx } from "../db/database.js";
import type { DynamicSecretsTable } from "../db/tables/dynamic-secret.table.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";
import type { AuditRowValues } from "../audit/audit.types.js";
import { STATUS_DELETING, type DynamicSecret, type DynamicSecretChanges } from "./dynamic-secret.types.js";
import type { MetadataEntry } from "./patch.js";

// Kysely only. Row types stay here; the service sees DynamicSecret.

export const NAME_UNIQUE_CONSTRAINT = "dynamic_secrets_folder_id_name_unique";
export const RENAME_CONFLICT_MESSAGE = "Provided dynamic secret already exists under the folder";

export const COLUMNS = [
  "id",
  "folder_id",
  "name",
  "version",
  "type",
  "default_ttl",
  "max_ttl",
  "encrypted_input",
  "status",
  "status_details",
  "username_template",
  "gateway_id",
  "gateway_v2_id",
  "gateway_pool_id",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof DynamicSecretsTable)[];

export type Row = Selectable<DynamicSecretsTable>;

export function toDomain(row: Row, metadata: MetadataEntry[]): DynamicSecret {
  return {
    id: row.id,
    folderId: row.folder_id,
    name: row.name,
    version: row.version,
    type: row.type,
    defaultTTL: row.default_ttl,
    maxTTL: row.max_ttl,
    encryptedInput: row.encrypted_input,
    status: row.status,
    statusDetails: row.status_details,
    usernameTemplate: row.username_template,
    gatewayId: row.gateway_id,
    gatewayV2Id: row.gateway_v2_id,
    gatewayPoolId: row.gateway_pool_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    metadata,
  };
}

/** The unique index decides name conflicts (D4), also between racing requests. */
function translateWriteError(err: unknown): never {
  if (isUniqueViolation(err, NAME_UNIQUE_CONSTRAINT)) throw new BadRequestError(RENAME_CONFLICT_MESSAGE);
  throw err;
}

async function metadataOf(db: Executor, ids: string[]): Promise<Map<string, MetadataEntry[]>> {
  const byId = new Map<string, MetadataEntry[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byId;
  const rows = await db
    .selectFrom("resource_metadata")
    .select(["dynamic_secret_id", "key", "value"])
    .where("dynamic_secret_id", "in", ids)
    .orderBy("position")
    .orderBy("created_at")
    .execute();
  for (const row of rows) byId.get(row.dynamic_secret_id!)?.push({ key: row.key, value: row.value });
  return byId;
}

async function withMetadata(db: Executor, row: Row | undefined): Promise<DynamicSecret | undefined> {
  if (!row) return undefined;
  return toDomain(row, (await metadataOf(db, [row.id])).get(row.id)!);
}

export async function findDynamicSecretByName(db: Executor, folderId: string, name: string): Promise<DynamicSecret | undefined> {
  const row = await db.selectFrom("dynamic_secrets").select(COLUMNS).where("folder_id", "=", folderId).where("name", "=", name).executeTakeFirst();
  return withMetadata(db, row);
}

export async function findDynamicSecretById(db: Executor, id: string): Promise<DynamicSecret | undefined> {
  const row = await db.selectFrom("dynamic_secrets").select(COLUMNS).where("id", "=", id).executeTakeFirst();
  return withMetadata(db, row);
}

/** The row locked until the transaction ends (FOR UPDATE); undefined once deleted. */
export async function lockDynamicSecret(trx: Trx, id: string): Promise<DynamicSecret | undefined> {
  const row = await trx.selectFrom("dynamic_secrets").select(COLUMNS).where("id", "=", id).forUpdate().executeTakeFirst();
  return withMetadata(trx, row);
}

export async function listDynamicSecretsInFolder(db: Executor, folderId: string): Promise<DynamicSecret[]> {
  const rows = await db.selectFrom("dynamic_secrets").select(COLUMNS).where("folder_id", "=", folderId).orderBy("created_at").orderBy("name").execute();
  const metadata = await metadataOf(db, rows.map((r) => r.id));
  return rows.map((row) => toDomain(row, metadata.get(row.id)!));
}

export async function insertDynamicSecret(
  trx: Trx,
  values: {
    folderId: string;
    name: string;
    type: string;
    defaultTTL: string;
    maxTTL: string | null;
    usernameTemplate: string | null;
    encryptedInput: Uint8Array;
  },
): Promise<DynamicSecret> {
  const row = await trx
    .insertInto("dynamic_secrets")
    .values({
      folder_id: values.folderId,
      name: values.name,
      type: values.type,
      default_ttl: values.defaultTTL,
      max_ttl: values.maxTTL,
      username_template: values.usernameTemplate,
      encrypted_input: values.encryptedInput,
      status: null,
      status_details: null,
      gateway_id: null,
      gateway_v2_id: null,
      gateway_pool_id: null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()
    .catch(translateWriteError);
  return toDomain(row, []);
}

const RETURNED_COLUMNS = sql.join(COLUMNS.map((column) => sql.ref(column)));

export type DynamicSecretPatchWrite = {
  id: string;
  expectedVersion: number;
  changes: DynamicSecretChanges;
  metadata?: { orgId: string; entries: MetadataEntry[] };
  audit: AuditRowValues;
};

/**
 * The whole write of a PATCH in ONE statement (one round trip, one commit): the given columns,
 * `status` back to null and `version` + 1 (D1) — only if the row is still at `expectedVersion`
 * and not being deleted (D7) — its metadata replaced when `metadata` is given, and its audit row
 * (D6: all or nothing, as one statement is). PostgreSQL's UPDATE waits for a concurrent writer
 * and re-checks the version on the row it left, so a plan made from an older row is never
 * written (D2): undefined then, and the caller plans again from the latest row.
 */
export async function writeDynamicSecretPatch(db: Executor, write: DynamicSecretPatchWrite): Promise<DynamicSecret | undefined> {
  const { changes, metadata, audit } = write;
  const entries = JSON.stringify((metadata?.entries ?? []).map((entry, position) => ({ ...entry, position })));
  const { rows } = await sql<Row>`/*prepared:write_dynamic_secret_patch*/
    WITH updated AS (
      UPDATE dynamic_secrets SET
        name = COALESCE(${changes.name ?? null}, name),
        default_ttl = COALESCE(${changes.defaultTTL ?? null}, default_ttl),
        max_ttl = CASE WHEN ${changes.maxTTL !== undefined}::boolean THEN ${changes.maxTTL ?? null} ELSE max_ttl END,
        username_template = CASE WHEN ${changes.usernameTemplate !== undefined}::boolean THEN ${changes.usernameTemplate ?? null} ELSE username_template END,
        encrypted_input = COALESCE(${changes.encryptedInput ?? null}::bytea, encrypted_input),
        status = NULL,
        version = version + 1
      WHERE id = ${write.id} AND version = ${write.expectedVersion} AND status IS DISTINCT FROM ${STATUS_DELETING}
      RETURNING ${RETURNED_COLUMNS}
    ), cleared AS (
      DELETE FROM resource_metadata
      WHERE ${metadata !== undefined}::boolean AND dynamic_secret_id IN (SELECT id FROM updated)
    ), added AS (
      INSERT INTO resource_metadata (key, value, org_id, dynamic_secret_id, position)
      SELECT e.key, e.value, ${metadata?.orgId ?? null}::uuid, updated.id, e.position
      FROM updated, jsonb_to_recordset(${entries}::jsonb) AS e(key text, value text, position int)
    ), audited AS (
      INSERT INTO audit_logs (org_id, project_id, project_name, actor, actor_metadata, ip_address, user_agent,
                              user_agent_type, event_type, event_metadata, expires_at)
      SELECT ${audit.org_id}::uuid, ${audit.project_id}::uuid, ${audit.project_name}, ${audit.actor}, ${audit.actor_metadata}::jsonb,
             ${audit.ip_address}, ${audit.user_agent}, ${audit.user_agent_type}, ${audit.event_type},
             ${audit.event_metadata}::jsonb, ${audit.expires_at}::timestamptz
      FROM updated
    )
    SELECT * FROM updated`
    .execute(db)
    .catch(translateWriteError);
  const row = rows[0];
  return row && toDomain(row, metadata?.entries ?? []);
}

/** Metadata is replaced wholesale (delete all, insert in order); duplicate keys are kept. */
export async function replaceMetadata(trx: Trx, dynamicSecretId: string, orgId: string, entries: MetadataEntry[]): Promise<void> {
  await trx.deleteFrom("resource_metadata").where("dynamic_secret_id", "=", dynamicSecretId).execute();
  if (entries.length === 0) return;
  await trx
    .insertInto("resource_metadata")
    .values(
      entries.map((entry, position) => ({
        key: entry.key,
        value: entry.value,
        org_id: orgId,
        dynamic_secret_id: dynamicSecretId,
        position,
      })),
    )
    .execute();
}

export async function deleteDynamicSecret(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom("dynamic_secrets").where("id", "=", id).execute();
}

/** Status changes of the deletion workflow; the version does not move (not an edit). */
export async function setDynamicSecretStatus(trx: Trx, id: string, status: string | null, statusDetails: string | null): Promise<DynamicSecret> {
  const row = await trx
    .updateTable("dynamic_secrets")
    .set({ status, status_details: statusDetails })
    .where("id", "=", id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return withMetadata(trx, row) as Promise<DynamicSecret>;
}
