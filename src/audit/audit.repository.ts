import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { AuditEntry, AuditLog, AuditLogFilter, AuditRowValues } from "./audit.types.js";

const DAY_MS = 86_400_000;

/** The column values of one audit row; `retentionDays` 0 means the row never expires. */
export function auditRowValues(entry: AuditEntry, retentionDays: number): AuditRowValues {
  const { actor, ctx, event } = entry;
  return {
    org_id: actor.orgId,
    project_id: entry.project?.id ?? null,
    project_name: entry.project?.name ?? null,
    actor: actor.type,
    actor_metadata: JSON.stringify({ identityId: actor.identityId, name: actor.name }),
    ip_address: ctx.ipAddress || null,
    user_agent: ctx.userAgent || null,
    user_agent_type: ctx.userAgentType,
    event_type: event.type,
    event_metadata: JSON.stringify(event.metadata),
    expires_at: retentionDays > 0 ? new Date(Date.now() + retentionDays * DAY_MS) : null,
  };
}

/**
 * Writes one audit row with the caller's executor: inside the caller's transaction for changes
 * (no change without its row and no row without its change, D6), on the pool for reads.
 */
export async function insertAuditLog(db: Executor, entry: AuditEntry, retentionDays: number): Promise<void> {
  await db.insertInto("audit_logs").values(auditRowValues(entry, retentionDays)).execute();
}

export async function listAuditLogs(db: Executor, filter: AuditLogFilter): Promise<AuditLog[]> {
  let query = db
    .selectFrom("audit_logs")
    .selectAll()
    .where("org_id", "=", filter.orgId)
    .where("created_at", ">=", filter.startDate)
    .where("created_at", "<", filter.endDate)
    // Past its retention a row is gone for readers, whether or not it has been pruned yet.
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]));
  if (filter.projectId) query = query.where("project_id", "=", filter.projectId);
  if (filter.actorType) query = query.where("actor", "=", filter.actorType);
  if (filter.actorId) query = query.where(sql<boolean>`actor_metadata @> ${JSON.stringify({ userId: filter.actorId })}::jsonb`);
  if (filter.eventTypes?.length) query = query.where("event_type", "in", filter.eventTypes);
  if (filter.userAgentType) query = query.where("user_agent_type", "=", filter.userAgentType);
  for (const [key, value] of Object.entries({ ...filter.location })) {
    query = query.where(sql<boolean>`event_metadata @> ${JSON.stringify({ [key]: value })}::jsonb`);
  }
  for (const [key, value] of Object.entries(filter.eventMetadata ?? {})) {
    query = query.where(sql<boolean>`event_metadata @> ${JSON.stringify({ [key]: value })}::jsonb`);
  }
  const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").offset(filter.offset).limit(filter.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    userAgentType: row.user_agent_type,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    orgId: row.org_id,
    projectId: row.project_id,
    projectName: row.project_name,
    event: { type: row.event_type, metadata: row.event_metadata },
    actor: { type: row.actor, metadata: row.actor_metadata },
  }));
}
