import type { Actor } from "../lib/actor.js";
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

/** The secret events whose queries Infisical narrows by environment, secretPath and secretKey. */
const SECRET_EVENTS = new Set(["get-secret", "get-secrets", "create-secret", "update-secret", "delete-secret"]);

/**
 * Infisical applies environment/secretPath/secretKey only with a projectId and an event filter that
 * is empty or names a secret event; then they narrow every listed event (dynamic-secret events carry
 * environment and secretPath too). A pure dynamic-secret event query ignores them.
 */
function locationFilter(query: AuditLogQuery): Record<string, string> | undefined {
  if (!query.projectId) return undefined;
  if (query.eventType?.length && !query.eventType.some((type) => SECRET_EVENTS.has(type))) return undefined;
  const location: Record<string, string> = {};
  if (query.environment) location.environment = query.environment;
  if (query.secretPath) location.secretPath = query.secretPath;
  if (query.secretKey) location.secretKey = query.secretKey;
  return location;
}

/** Midnight UTC of today: the listing's default start (Infisical). */
function lastMidnightUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function createAuditLogService({ db, permissions }: AuditLogServiceDeps) {
  return {
    /**
     * With projectId: the project's `audit-logs:read`; without: the organization's. Always scoped
     * to the actor's organization, newest first.
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
        location: locationFilter(query),
        startDate: query.startDate ? new Date(query.startDate) : lastMidnightUtc(now),
        endDate: query.endDate ? new Date(query.endDate) : now,
        offset: query.offset,
        limit: query.limit,
      });
    },
  };
}

export type AuditLogService = ReturnType<typeof createAuditLogService>;
