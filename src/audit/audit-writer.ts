import type { Executor } from "../db/database.js";
import { auditRowValues, insertAuditLog } from "./audit.repository.js";
import type { AuditEntry, AuditRowValues } from "./audit.types.js";

// How features write the audit log, built once in the container with the configured retention.
// Every write takes the caller's executor: inside the caller's transaction for changes (no change
// without its row and no row without its change, D6), on the pool for reads.

export function createAuditWriter(retentionDays: number) {
  return {
    record: (db: Executor, entry: AuditEntry): Promise<void> => insertAuditLog(db, entry, retentionDays),

    /** The row's column values, for a statement that writes a change and its audit row together. */
    rowValues: (entry: AuditEntry): AuditRowValues => auditRowValues(entry, retentionDays),

    /** For project-scoped services: the row names the project (from the caller's project permission). */
    forProject: (
      db: Executor,
      actor: AuditEntry["actor"],
      ctx: AuditEntry["ctx"],
      permission: { projectId: string; projectName: string },
      event: AuditEntry["event"],
    ): Promise<void> =>
      insertAuditLog(
        db,
        { actor, ctx, project: { id: permission.projectId, name: permission.projectName }, event },
        retentionDays,
      ),
  };
}

export type AuditWriter = ReturnType<typeof createAuditWriter>;
