import type { AuthService, PendingAuth } from "../auth/auth.service.js";
import type { Actor } from "../lib/actor.js";
import type { Db } from "../db/database.js";
import { BadRequestError, NotFoundError } from "../lib/errors.js";
import { subjectAt, type SubjectFields } from "../permissions/ability.js";
import { assertProjectType, notProjectMemberError, permissionFromAccess } from "../permissions/permission.service.js";
import { folderLookup, folderNotFound, joinSecretPath } from "../lib/secret-path.js";
import * as repo from "./dynamic-secret.repository.js";
import { locateDynamicSecret } from "./resolve.repository.js";
import type { Locator } from "./dynamic-secret.types.js";
import type { MetadataEntry } from "./patch.js";

// The lookups every dynamic-secret operation starts with, in Infisical's order (D24):
// project (404) → membership (403) → folder (400/404) → dynamic secret (404), existence before
// permission. One place instead of a prelude copied into every method.

type Project = { id: string; name: string };
type Permission = {
  can(action: string, subject: string, fields?: SubjectFields): boolean;
  assertCan(action: string, subject: string, fields?: SubjectFields): void;
};
type Folder = { id: string; path: string };

/** An admitted caller, or one whose token row the resolving statement reads (auth.plugin's "deferred" routes). */
export type Caller = Actor | PendingAuth;
const isPending = (caller: Caller): caller is PendingAuth => "claims" in caller;

export type ResolverDeps = {
  db: Db;
  auth: Pick<AuthService, "admitPending">;
  projects: { getProjectBySlug(actor: Actor, slug: string): Promise<Project> };
  permissions: { getProjectPermission(actor: Actor, projectId: string, options?: { projectType?: string }): Promise<Permission> };
  /** 400 bad segment / 404; `""`, `app`, `//app` name no folder, as in Infisical. */
  folders: { resolveFolderByPath(projectId: string, environmentSlug: string, path: string): Promise<Folder> };
};

const SECRET_MANAGER = "secret-manager";

const projectNotFound = (slug: string) => new NotFoundError(`Project with slug '${slug}' not found`);

export function secretNotFound(name: string, folderPath: string): NotFoundError {
  return new NotFoundError(`Dynamic secret with name '${name}' in folder '${folderPath}' not found`);
}

/** GET's message lacks a closing quote after the name in Infisical; reproduced as is. */
export function getNotFound(name: string, folderPath: string): NotFoundError {
  return new NotFoundError(`Dynamic secret with name '${name} in folder '${folderPath}' not found`);
}

/** `folderNotFound`: the 404 of a missing folder, where a route words it differently (the lease routes do). */
export function createDynamicSecretResolver(deps: ResolverDeps, messages: { folderNotFound?: (path: string, environmentSlug: string) => NotFoundError } = {}) {
  const missingFolder = messages.folderNotFound ?? folderNotFound;
  async function resolveProject(actor: Actor, projectSlug: string) {
    const project = await deps.projects.getProjectBySlug(actor, projectSlug);
    const permission = await deps.permissions.getProjectPermission(actor, project.id, { projectType: SECRET_MANAGER });
    return { project, permission };
  }

  /**
   * Project, permission, folder and secret from one statement (`locateDynamicSecret`), answered
   * in Infisical's order: project 404 → project type 400 → membership 403 → folder 400/404 →
   * secret 404.
   */
  async function resolveDynamicSecret(caller: Caller, locator: Locator & { name: string }, notFound = secretNotFound) {
    const lookup = folderLookup(locator.path, locator.environmentSlug);
    const segments = "error" in lookup ? [] : lookup.segments;
    const located = await locateDynamicSecret(deps.db, {
      ...(isPending(caller) ? { token: caller.claims } : { orgId: caller.orgId, identityId: caller.identityId }),
      projectSlug: locator.projectSlug,
      environmentSlug: locator.environmentSlug,
      segments,
      // A name PostgreSQL cannot even compare (NUL) names no secret.
      name: locator.name.includes("\u0000") ? null : locator.name,
    });
    // A pending caller is admitted (or refused: 401/403) before anything about the project is told.
    const actor = isPending(caller) ? await deps.auth.admitPending(caller, located.tokenUse) : caller;
    const { project, access, walked } = located;
    if (!project) throw projectNotFound(locator.projectSlug);
    assertProjectType(project, SECRET_MANAGER);
    if (!access) throw notProjectMemberError();
    const permission = permissionFromAccess(access);
    if ("error" in lookup) throw lookup.error;
    if (!walked || walked.depth !== segments.length) throw missingFolder(locator.path, locator.environmentSlug);
    const folder = { id: walked.folderId, envId: walked.envId, environmentSlug: locator.environmentSlug, path: joinSecretPath(segments) };
    const secret = located.secret;
    if (!secret) throw notFound(locator.name, folder.path);
    const fields = (metadata: MetadataEntry[]): SubjectFields => subjectAt(locator.environmentSlug, locator.path, metadata);
    return { actor, project, permission, folder, secret, fields };
  }

  /**
   * Infisical answers a taken name before any provider work (B.5 step 10, C.9), so a request that
   * both renames onto a sibling and sends bad inputs gets the 400 conflict, not a 422 or a
   * connection error. Only the order: the unique index still decides races (D4).
   */
  async function assertNameFree(folderId: string, name: string | undefined): Promise<void> {
    if (name !== undefined && (await repo.findDynamicSecretByName(deps.db, folderId, name))) {
      throw new BadRequestError(repo.RENAME_CONFLICT_MESSAGE);
    }
  }

  return { resolveProject, resolveDynamicSecret, assertNameFree };
}
