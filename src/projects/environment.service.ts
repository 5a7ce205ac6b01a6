import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType } from "../audit/audit.types.js";
import type { Actor } from "../lib/actor.js";
import type { Db } from "../db/database.js";
import type { RequestContext } from "../http/request-context.js";
import { NotFoundError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import type { PermissionService } from "../permissions/permission.service.js";
import * as environments from "./environment.repository.js";
import type { Environment } from "./environment.repository.js";
import { deleteNowOrDefer } from "../leases/container-deletion.js";

// A project's environments (get, update, delete at Infisical parity).
// Every write locks the project row first, so positions are computed one writer at a time.

export function createEnvironmentService({
  db,
  permissionService,
  auditWriter,
}: {
  db: Db;
  permissionService: PermissionService;
  auditWriter: AuditWriter;
}) {
  const audit = auditWriter.forProject;

  const notFoundInProject = (id: string, projectId: string, errorName?: string) =>
    new NotFoundError(`Environment with id '${id}' in project with ID '${projectId}' not found`, { errorName });

  async function createEnvironment(
    actor: Actor,
    projectId: string,
    input: { name: string; slug: string; position?: number },
  ): Promise<Environment> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.Environments);
    return db.transaction().execute((trx) => environments.insertEnvironment(trx, { projectId, ...input }));
  }

  /** As Infisical: found by id alone (404), then the caller's permission in its project. */
  async function getEnvironment(actor: Actor, ctx: RequestContext, environmentId: string): Promise<Environment> {
    const environment = isUuid(environmentId) ? await environments.findById(db, environmentId) : undefined;
    if (!environment) throw new NotFoundError(`Environment with ID '${environmentId}' not found`);
    const permission = await permissionService.getProjectPermission(actor, environment.projectId);
    permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.Environments);
    await audit(db, actor, ctx, permission, { type: EventType.GetEnvironment, metadata: { id: environment.id } });
    return environment;
  }

  async function updateEnvironment(
    actor: Actor,
    ctx: RequestContext,
    projectId: string,
    environmentId: string,
    patch: { name?: string; slug?: string; position?: number },
  ): Promise<Environment> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Edit, ProjectPermissionSub.Environments);
    return db.transaction().execute(async (trx) => {
      const old = isUuid(environmentId) ? await environments.lockInProject(trx, permission.projectId, environmentId) : undefined;
      if (!old) throw notFoundInProject(environmentId, permission.projectId);
      const changed = Object.values(patch).some((value) => value !== undefined);
      const environment = changed ? await environments.updateEnvironment(trx, old, patch) : old;
      await audit(trx, actor, ctx, permission, {
        type: EventType.UpdateEnvironment,
        metadata: {
          oldName: old.name,
          oldSlug: old.slug,
          oldPos: old.position,
          newName: environment.name,
          newSlug: environment.slug,
          newPos: environment.position,
        },
      });
      return environment;
    });
  }

  /** Its folders and their dynamic secrets go with it (D29: after the leases below are revoked). */
  async function deleteEnvironment(actor: Actor, ctx: RequestContext, projectId: string, environmentId: string): Promise<Environment> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Delete, ProjectPermissionSub.Environments);
    return db.transaction().execute(async (trx) => {
      const environment = isUuid(environmentId) ? await environments.lockInProject(trx, permission.projectId, environmentId) : undefined;
      if (!environment) throw notFoundInProject(environmentId, permission.projectId, "DeleteEnvironment");
      // D29: with leases below, the environment goes once the worker has revoked them all.
      if ((await deleteNowOrDefer(trx, { environmentId: environment.id })) === "now") await environments.deleteEnvironment(trx, environment.id);
      await audit(trx, actor, ctx, permission, {
        type: EventType.DeleteEnvironment,
        metadata: { name: environment.name, slug: environment.slug },
      });
      return environment;
    });
  }

  return { createEnvironment, getEnvironment, updateEnvironment, deleteEnvironment };
}

export type EnvironmentService = ReturnType<typeof createEnvironmentService>;
