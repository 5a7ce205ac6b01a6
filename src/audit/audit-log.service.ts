import type { Actor } from "../auth/actor.js";
import type { Db } from "../db/database.js";
import type { Ability } from "../permissions/ability.js";
import { OrgPermissionActions, OrgPermissionSubjects, ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import { listAuditLogs } from "./audit.repository.js";
import type { AuditLogQuery } from "./audit-log.schemas.js";

export type AuditLogServiceDeps = {
  db: Db;
  permissions: {
    getProjectPermission(actor: Actor, projectId: string): Promise<Pick<Ability, "assertCan">>;
    getOrgPermission(actor: Actor): Promise<Pick<Ability, "assertCan">>;
  };
};

/** Midnight UTC of today: the listing's default start (Infisical). */
function lastMidnightUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function createAuditLogService({ db, permissions }: AuditLogServiceDeps) {
  return {
    /**
     * With projectId: the project's `audit-logs:read`; without: the organization's. Always scoped
     * to the actor's organization, newest first. environment/secretPath/secretKey only narrow
     * secret events upstream; there are none here, so they never filter (as for dynamic-secret events upstream).
     */
    async list(actor: Actor, query: AuditLogQuery) {
      if (query.projectId) {
        const permission = await permissions.getProjectPermission(actor, query.projectId);
        permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.AuditLogs);
      } else {
        const permission = await permissions.getOrgPermission(actor);
        permission.assertCan(OrgPermissionActions.Read, OrgPermissionSubjects.AuditLogs);
      }
      const now = new Date();
      return listAuditLogs(db, {
        orgId: actor.orgId,
        projectId: query.projectId,
        actorType: query.actorType,
        actorId: query.actor,
        eventTypes: query.eventType,
        userAgentType: query.userAgentType,
        eventMetadata: query.eventMetadata,
        startDate: query.startDate ? new Date(query.startDate) : lastMidnightUtc(now),
        endDate: query.endDate ? new Date(query.endDate) : now,
        offset: query.offset,
        limit: query.limit,
      });
    },
  };
}

export type AuditLogService = ReturnType<typeof createAuditLogService>;
