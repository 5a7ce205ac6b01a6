import type { Actor } from "../auth/actor.js";
import type { Db } from "../db/database.js";
import { NotFoundError } from "../lib/errors.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { folderLookup, folderNotFound, joinSecretPath, normalizeSecretPath, pathSegments } from "./folder-path.js";
import { createProjectRepository, type Folder } from "./project.repository.js";

// Folder trees (auth-and-permissions.md §C.3) and path → folder resolution (§B.5 step 6).

export type ResolvedFolder = { id: string; envId: string; environmentSlug: string; path: string };

export function createFolderService({ db, permissionService }: { db: Db; permissionService: PermissionService }) {
  const projects = createProjectRepository(db);

  /** The folder at `path` in the environment (see `folderLookup` for which paths name one); else 400/404. */
  async function resolveFolderByPath(projectId: string, environmentSlug: string, path: string): Promise<ResolvedFolder> {
    const lookup = folderLookup(path, environmentSlug);
    if ("error" in lookup) throw lookup.error;
    const walked = await projects.walkFolderPath(projectId, environmentSlug, lookup.segments);
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
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.SecretFolders, {
      environment: input.environment,
      secretPath: parentPath,
    });
    const segments = pathSegments(parentPath);
    const environment = await projects.findEnvironment(input.projectId, input.environment);
    if (!environment) {
      throw new NotFoundError(`Environment with slug '${input.environment}' in project with ID '${input.projectId}' not found`);
    }
    return db.transaction().execute(async (trx) => {
      const repo = createProjectRepository(trx);
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
    const walked = await projects.walkFolderPath(input.projectId, input.environment, segments);
    if (!walked || walked.depth !== segments.length) return [];
    return projects.listChildFolders(walked.folderId);
  }

  return { resolveFolderByPath, createFolder, listFolders };
}

export type FolderService = ReturnType<typeof createFolderService>;
