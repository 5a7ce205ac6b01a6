import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType } from "../audit/audit.types.js";
import type { Actor } from "../lib/actor.js";
import type { Db } from "../db/database.js";
import type { RequestContext } from "../http/request-context.js";
import { ForbiddenRequestError, NotFoundError } from "../lib/errors.js";
import { generateSlug } from "../lib/slug.js";
import { isUuid } from "../lib/uuid.js";
import { OrgPermissionActions, OrgPermissionSubjects, ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import { assertProjectType, type PermissionService } from "../permissions/permission.service.js";
import * as memberships from "./membership.repository.js";
import type { CreateProjectBody, UpdateProjectBody } from "./project.schemas.js";
import * as environments from "./environment.repository.js";
import type { Environment } from "./environment.repository.js";
import * as projects from "./project.repository.js";
import type { Project } from "./project.repository.js";
import { deleteNowOrDefer } from "../leases/container-deletion.js";

// Projects (get, list, update, delete at Infisical parity) and the
// project lookup the dynamic-secret routes start from.

const DEFAULT_ENVIRONMENTS = [
  { name: "Development", slug: "dev" },
  { name: "Staging", slug: "staging" },
  { name: "Production", slug: "prod" },
] as const;

export type ProjectWithEnvironments = Project & { environments: Environment[] };

export function createProjectService({
  db,
  permissionService,
  auditWriter,
}: {
  db: Db;
  permissionService: PermissionService;
  auditWriter: AuditWriter;
}) {
  /** By id; Infisical looks the project up before the caller's membership (404, then 403). */
  async function findProject(projectId: string): Promise<Project> {
    const project = isUuid(projectId) ? await projects.findById(db, projectId) : undefined;
    if (!project) throw new NotFoundError(`Project with ID '${projectId}' not found`);
    return project;
  }

  /** The project with this slug in the actor's organization, else 404 (also for other orgs' projects). */
  async function getProjectBySlug(actor: Actor, slug: string): Promise<Project> {
    const project = await projects.findBySlug(db, actor.orgId, slug);
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
      const project = await projects.insertProject(trx, {
        orgId: actor.orgId,
        name: body.projectName,
        slug,
        description: body.projectDescription ?? null,
        type: body.type,
        hasDeleteProtection: body.hasDeleteProtection,
      });
      const created: Environment[] = [];
      if (body.shouldCreateDefaultEnvs) {
        for (const env of DEFAULT_ENVIRONMENTS) created.push(await environments.insertEnvironment(trx, { projectId: project.id, ...env }));
      }
      // The creator becomes the project's admin (org admins get no implicit project access).
      await memberships.insertMembership(trx, project.id, actor.identityId, [
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
      return { ...project, environments: created };
    });
  }

  /** Any member may read the project and its environments. */
  async function getProject(actor: Actor, projectId: string): Promise<ProjectWithEnvironments> {
    const project = await findProject(projectId);
    await permissionService.getProjectPermission(actor, project.id);
    return { ...project, environments: await environments.listEnvironments(db, project.id) };
  }

  /** The projects of the actor's organization it is a member of. */
  async function listProjects(actor: Actor, type?: string): Promise<ProjectWithEnvironments[]> {
    const list = await projects.listForIdentity(db, actor.identityId, actor.orgId, type);
    const envs = await environments.listEnvironmentsOf(db, list.map((p) => p.id));
    return list.map((project) => ({ ...project, environments: envs.filter((env) => env.projectId === project.id) }));
  }

  async function updateProject(actor: Actor, ctx: RequestContext, projectId: string, body: UpdateProjectBody): Promise<Project> {
    const project = await findProject(projectId);
    const permission = await permissionService.getProjectPermission(actor, project.id);
    permission.assertCan(ProjectPermissionActions.Edit, ProjectPermissionSub.Settings);
    return db.transaction().execute(async (trx) => {
      const changed = Object.values(body).some((value) => value !== undefined);
      const updated = changed ? await projects.updateProject(trx, project.id, body) : project;
      if (!updated) throw new NotFoundError(`Project with ID '${projectId}' not found`);
      await auditWriter.record(trx, { actor, ctx, project: updated, event: { type: EventType.UpdateProject, metadata: body } });
      return updated;
    });
  }

  /**
   * Deletes the project with its environments, folders, dynamic secrets, custom roles, memberships
   * and data key (foreign keys cascade), unless its delete protection is on.
   */
  async function deleteProject(actor: Actor, ctx: RequestContext, projectId: string): Promise<Project> {
    const project = await findProject(projectId);
    const permission = await permissionService.getProjectPermission(actor, project.id);
    permission.assertCan(ProjectPermissionActions.Delete, ProjectPermissionSub.Workspace);
    if (project.hasDeleteProtection) throw new ForbiddenRequestError("Project delete protection is enabled");
    return db.transaction().execute(async (trx) => {
      // D29: with leases below, the project goes once the worker has revoked them all.
      const when = await deleteNowOrDefer(trx, { projectId: project.id });
      const deleted = when === "now" ? await projects.deleteProject(trx, project.id) : project;
      // Deleted meanwhile by another request: the answer a later request would get.
      if (!deleted) throw new NotFoundError(`Project with ID '${projectId}' not found`);
      await auditWriter.record(trx, { actor, ctx, project: deleted, event: { type: EventType.DeleteProject, metadata: { ...deleted } } });
      return deleted;
    });
  }

  return { getProjectBySlug, assertProjectType, createProject, getProject, listProjects, updateProject, deleteProject };
}

export type ProjectService = ReturnType<typeof createProjectService>;
