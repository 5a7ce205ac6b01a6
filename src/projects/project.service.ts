import { randomInt } from "node:crypto";
import type { Actor } from "../auth/actor.js";
import type { Db } from "../db/database.js";
import { ForbiddenRequestError, NotFoundError } from "../lib/errors.js";
import { OrgPermissionActions, OrgPermissionSubjects, ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import { assertProjectType, type PermissionService } from "../permissions/permission.service.js";
import { createMembershipRepository } from "./membership.repository.js";
import type { CreateProjectBody } from "./project.schemas.js";
import { createEnvironmentRepository, type Environment } from "./environment.repository.js";
import { createProjectRepository, type Project } from "./project.repository.js";

// Projects and environments (auth-and-permissions.md §C.1, §C.2), and the project lookup the
// dynamic-secret routes start from (§B.1 step 1).

const DEFAULT_ENVIRONMENTS = [
  { name: "Development", slug: "dev" },
  { name: "Staging", slug: "staging" },
  { name: "Production", slug: "prod" },
] as const;

const SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Name → slug, plus a random suffix (the slug is unique per organization). */
export function generateSlug(name: string, maxLength = 36): string {
  let suffix = "";
  for (let i = 0; i < 4; i += 1) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxLength - suffix.length - 1)
    .replace(/-+$/g, "");
  return base ? `${base}-${suffix}` : suffix;
}

export type ProjectWithEnvironments = Project & { environments: Environment[] };

export function createProjectService({ db, permissionService }: { db: Db; permissionService: PermissionService }) {
  const projects = createProjectRepository(db);

  /** The project with this slug in the actor's organization, else 404 (also for other orgs' projects). */
  async function getProjectBySlug(actor: Actor, slug: string): Promise<Project> {
    const project = await projects.findBySlug(actor.orgId, slug);
    if (!project) throw new NotFoundError(`Project with slug '${slug}' not found`);
    return project;
  }

  async function createProject(actor: Actor, body: CreateProjectBody): Promise<ProjectWithEnvironments> {
    const orgPermission = await permissionService.getOrgPermission(actor);
    if (!orgPermission.can(OrgPermissionActions.Create, OrgPermissionSubjects.Workspace)) {
      throw new ForbiddenRequestError("You don't have permission to create a project");
    }
    const slug = body.slug ?? generateSlug(body.projectName);
    return db.transaction().execute(async (trx) => {
      const repo = createProjectRepository(trx);
      const project = await repo.insertProject({
        orgId: actor.orgId,
        name: body.projectName,
        slug,
        description: body.projectDescription ?? null,
        type: body.type,
        hasDeleteProtection: body.hasDeleteProtection,
      });
      const environments: Environment[] = [];
      if (body.shouldCreateDefaultEnvs) {
        for (const env of DEFAULT_ENVIRONMENTS) environments.push(await createEnvironmentRepository(trx).insertEnvironment({ projectId: project.id, ...env }));
      }
      // The creator becomes the project's admin (org admins get no implicit project access, §B.7).
      await createMembershipRepository(trx).insertMembership(project.id, actor.identityId, [
        {
          role: "admin",
          customRoleId: null,
          isTemporary: false,
          temporaryMode: null,
          temporaryRange: null,
          temporaryAccessStartTime: null,
          temporaryAccessEndTime: null,
        },
      ]);
      return { ...project, environments };
    });
  }

  async function createEnvironment(
    actor: Actor,
    projectId: string,
    input: { name: string; slug: string; position?: number },
  ): Promise<Environment> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.Environments);
    return db.transaction().execute((trx) => createEnvironmentRepository(trx).insertEnvironment({ projectId, ...input }));
  }

  return { getProjectBySlug, assertProjectType, createProject, createEnvironment };
}

export type ProjectService = ReturnType<typeof createProjectService>;
