import type { Actor } from "../auth/actor.js";
import type { Db } from "../db/database.js";
import { NotFoundError } from "../lib/errors.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { joinSecretPath, normalizeSecretPath, pathSegments } from "./folder-path.js";
import { createEnvironmentRepository } from "./environment.repository.js";
import { createFolderRepository, type Folder } from "./folder.repository.js";

// Folder trees (auth-and-permissions.md §C.3) and path → folder resolution (§B.5 step 6).

export type ResolvedFolder = { id: string; envId: string; environmentSlug: string; path: string };

export function createFolderService({ db, permissionService }: { db: Db; permissionService: PermissionService }) {
  const folders = createFolderRepository(db);
  const environments = createEnvironmentRepository(db);

  /**
   * The folder at `path` in the environment. A segment with characters other than letters, digits,
   * `-`, `_` → 400; a missing environment or folder → 404 naming `path` as given. As in Infisical
   * (patch-endpoint.md §2 step 9), one more trailing slash is removed and the rest must be a folder's
   * exact path: `""`, `app`, `//app`, `/a//b`, `/app//` (after the router's own removal) name none.
   */
  async function resolveFolderByPath(projectId: string, environmentSlug: string, path: string): Promise<ResolvedFolder> {
    const segments = pathSegments(path);
    const notFound = () => new NotFoundError(`Folder with path '${path}' in environment '${environmentSlug}' not found`);
    const lookup = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
    if (lookup !== joinSecretPath(segments)) throw notFound();
    const walked = await folders.walkFolderPath(projectId, environmentSlug, segments);
    if (!walked || walked.depth !== segments.length) throw notFound();
    return { id: walked.folderId, envId: walked.envId, environmentSlug, path: joinSecretPath(segments) };
  }

  /** Creates `name` under `path`, creating missing parents; an existing name there is a 400. */
  async function createFolder(
    actor: Actor,
    input: { projectId: string; environment: string; name: string; path: string; description: string | null },
  ): Promise<Folder> {
    const permission = await permissionService.getProjectPermission(actor, input.projectId);
    const parentPath = normalizeSecretPath(input.path);
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.SecretFolders, {
      environment: input.environment,
      secretPath: parentPath,
    });
    const segments = pathSegments(parentPath);
    const environment = await environments.findEnvironment(input.projectId, input.environment);
    if (!environment) {
      throw new NotFoundError(`Environment with slug '${input.environment}' in project with ID '${input.projectId}' not found`);
    }
    return db.transaction().execute(async (trx) => {
      const repo = createFolderRepository(trx);
      const walked = await repo.walkFolderPath(input.projectId, input.environment, []);
      let parentId = walked!.folderId;
      for (const segment of segments) parentId = await repo.ensureChildFolder(environment.id, parentId, segment);
      return repo.insertFolder(
        { envId: environment.id, parentId, name: input.name, description: input.description },
        joinSecretPath(segments),
      );
    });
  }

  /** The folders directly under `path`; none when the path does not exist (Infisical parity). */
  async function listFolders(actor: Actor, input: { projectId: string; environment: string; path: string }): Promise<Folder[]> {
    const permission = await permissionService.getProjectPermission(actor, input.projectId);
    const path = normalizeSecretPath(input.path);
    permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.SecretFolders, { environment: input.environment, secretPath: path });
    const segments = pathSegments(path);
    const walked = await folders.walkFolderPath(input.projectId, input.environment, segments);
    if (!walked || walked.depth !== segments.length) return [];
    return folders.listChildFolders(walked.folderId);
  }

  return { resolveFolderByPath, createFolder, listFolders };
}

export type FolderService = ReturnType<typeof createFolderService>;
