import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType } from "../audit/audit.types.js";
import type { Actor } from "../lib/actor.js";
import type { Db } from "../db/database.js";
import { isForeignKeyViolation } from "../db/pg-errors.js";
import type { RequestContext } from "../http/request-context.js";
import { NotFoundError, ValidationError } from "../lib/errors.js";
import { subjectAt } from "../permissions/ability.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import type { PermissionService, ProjectPermission } from "../permissions/permission.service.js";
import { folderLookup, folderNotFound, joinSecretPath, normalizeSecretPath, pathSegments } from "../lib/secret-path.js";
import * as environments from "./environment.repository.js";
import * as folders from "./folder.repository.js";
import type { Folder, FolderWithPath } from "./folder.repository.js";
import { deleteNowOrDefer } from "../leases/container-deletion.js";

// Folder trees (rename and delete at Infisical parity) and
// path → folder resolution.

/**
 * At most this many folders (missing parents included) are created by one request: Infisical has
 * no bound, and a 1 MiB path would otherwise create some 350,000 of them in one transaction.
 */
export const MAX_FOLDERS_CREATED_PER_REQUEST = 20;

export type ResolvedFolder = { id: string; envId: string; environmentSlug: string; path: string };

export function createFolderService({
  db,
  permissionService,
  auditWriter,
}: {
  db: Db;
  permissionService: PermissionService;
  auditWriter: AuditWriter;
}) {
  const audit = auditWriter.forProject;

  /** The folder at `path` in the environment (see `folderLookup` for which paths name one); else 400/404. */
  async function resolveFolderByPath(projectId: string, environmentSlug: string, path: string): Promise<ResolvedFolder> {
    const lookup = folderLookup(path, environmentSlug);
    if ("error" in lookup) throw lookup.error;
    const walked = await folders.walkFolderPath(db, projectId, environmentSlug, lookup.segments);
    if (!walked || walked.depth !== lookup.segments.length) throw folderNotFound(path, environmentSlug);
    return { id: walked.folderId, envId: walked.envId, environmentSlug, path: joinSecretPath(lookup.segments) };
  }

  /** Creates `name` under `path`, creating missing parents; an existing name there is a 400. */
  async function createFolder(
    actor: Actor,
    input: { projectId: string; environment: string; name: string; path: string; description: string | null },
  ): Promise<Folder> {
    const permission = await permissionService.getProjectPermission(actor, input.projectId);
    const parentPath = normalizeSecretPath(input.path);
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.SecretFolders, subjectAt(input.environment, parentPath));
    const segments = pathSegments(parentPath);
    const environment = await environments.findEnvironment(db, input.projectId, input.environment);
    if (!environment) {
      throw new NotFoundError(`Environment with slug '${input.environment}' in project with ID '${input.projectId}' not found`);
    }
    const existing = await folders.walkFolderPath(db, input.projectId, input.environment, segments);
    const creates = segments.length - (existing?.depth ?? 0) + 1;
    if (creates > MAX_FOLDERS_CREATED_PER_REQUEST) {
      throw new ValidationError(
        `A request may create at most ${MAX_FOLDERS_CREATED_PER_REQUEST} folders; this one would create ${creates}`,
      );
    }
    // The environment or a parent deleted meanwhile: the answer a later request would get.
    const gone = () => new NotFoundError(`Parent folder for path '${joinSecretPath([...segments, input.name])}' not found`);
    return db
      .transaction()
      .execute(async (trx) => {
        const root = await folders.walkFolderPath(trx, input.projectId, input.environment, []);
        if (!root) throw gone();
        let parentId = root.folderId;
        for (const segment of segments) parentId = await folders.ensureChildFolder(trx, environment.id, parentId, segment);
        return folders.insertFolder(
          trx,
          { envId: environment.id, parentId, name: input.name, description: input.description },
          joinSecretPath(segments),
        );
      })
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) throw gone();
        throw err;
      });
  }

  /** The folders directly under `path`; none when the path does not exist (Infisical parity). */
  async function listFolders(actor: Actor, input: { projectId: string; environment: string; path: string }): Promise<Folder[]> {
    const permission = await permissionService.getProjectPermission(actor, input.projectId);
    const path = normalizeSecretPath(input.path);
    permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.SecretFolders, subjectAt(input.environment, path));
    const segments = pathSegments(path);
    const walked = await folders.walkFolderPath(db, input.projectId, input.environment, segments);
    if (!walked) throw new NotFoundError(`Environment with slug '${input.environment}' not found`);
    if (walked.depth !== segments.length) return [];
    return folders.listChildFolders(db, walked.folderId);
  }

  /**
   * GET /api/v1/folders/:id. As Infisical: found by id alone (404), then the caller's membership
   * of its project; we also ask `secret-folders:read` where a list would show it (its parent path).
   */
  async function getFolderById(actor: Actor, folderId: string): Promise<FolderWithPath> {
    const folder = await folders.findWithPath(db, folderId);
    if (!folder) throw new NotFoundError(`Folder with ID '${folderId}' not found`);
    const permission = await permissionService.getProjectPermission(actor, folder.projectId);
    const parentPath = joinSecretPath(pathSegments(folder.path).slice(0, -1));
    permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.SecretFolders, {
      environment: folder.environment.envSlug,
      secretPath: parentPath,
    });
    return folder;
  }

  /** The parent folder at `path` (Infisical's 404 wording for update and delete). */
  async function parentAt(permission: ProjectPermission, environment: string, path: string, errorName?: string): Promise<string> {
    const segments = pathSegments(path);
    const walked = await folders.walkFolderPath(db, permission.projectId, environment, segments);
    if (!walked || walked.depth !== segments.length) {
      throw new NotFoundError(`Folder with path '${path}' in environment with slug '${environment}' not found`, { errorName });
    }
    return walked.folderId;
  }

  /** Renames the folder `idOrName` under `path` (and sets its description when given). */
  async function updateFolder(
    actor: Actor,
    ctx: RequestContext,
    input: { projectId: string; environment: string; path: string; idOrName: string; name: string; description?: string | null },
  ): Promise<Folder> {
    const permission = await permissionService.getProjectPermission(actor, input.projectId);
    const path = normalizeSecretPath(input.path);
    permission.assertCan(ProjectPermissionActions.Edit, ProjectPermissionSub.SecretFolders, subjectAt(input.environment, path));
    const parentId = await parentAt(permission, input.environment, path, "UpdateFolder");
    const notFound = () => new NotFoundError(`Folder with ID '${input.idOrName}' not found`, { errorName: "UpdateFolder" });
    const old = await folders.findChild(db, parentId, input.idOrName);
    if (!old) throw notFound();
    return db.transaction().execute(async (trx) => {
      const folder = await folders.renameFolder(trx, old.id, { name: input.name, description: input.description });
      if (!folder) throw notFound();
      await audit(trx, actor, ctx, permission, {
        type: EventType.UpdateFolder,
        metadata: { environment: input.environment, folderId: folder.id, folderPath: path, newFolderName: folder.name, oldFolderName: old.name },
      });
      return folder;
    });
  }

  /** Deletes the folder `idOrName` under `path` with its sub-folders and their dynamic secrets (D29: after their leases). */
  async function deleteFolder(
    actor: Actor,
    ctx: RequestContext,
    input: { projectId: string; environment: string; path: string; idOrName: string },
  ): Promise<Folder> {
    const permission = await permissionService.getProjectPermission(actor, input.projectId);
    const path = normalizeSecretPath(input.path);
    permission.assertCan(ProjectPermissionActions.Delete, ProjectPermissionSub.SecretFolders, subjectAt(input.environment, path));
    if (!(await environments.findEnvironment(db, permission.projectId, input.environment))) {
      throw new NotFoundError(`Environment with slug '${input.environment}' not found`);
    }
    const parentId = await parentAt(permission, input.environment, path);
    const notFound = () => new NotFoundError(`Folder with ID '${input.idOrName}' not found`);
    const target = await folders.findChild(db, parentId, input.idOrName);
    if (!target) throw notFound();
    return db.transaction().execute(async (trx) => {
      // D29: with leases below, the folder goes once the worker has revoked them all.
      const when = await deleteNowOrDefer(trx, { folderId: target.id });
      const folder = when === "now" ? await folders.deleteFolder(trx, target.id) : target;
      if (!folder) throw notFound();
      await audit(trx, actor, ctx, permission, {
        type: EventType.DeleteFolder,
        metadata: { environment: input.environment, folderId: folder.id, folderPath: path, folderName: folder.name },
      });
      return folder;
    });
  }

  return { resolveFolderByPath, createFolder, listFolders, getFolderById, updateFolder, deleteFolder };
}

export type FolderService = ReturnType<typeof createFolderService>;
