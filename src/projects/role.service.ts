import type { Actor } from "../auth/actor.js";
import type { Db } from "../db/database.js";
import { NotFoundError, PermissionBoundaryError } from "../lib/errors.js";
import { missingPermissions } from "../permissions/ability.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import { expandV1Rules, v1VisibleRules, type PermissionRuleV1, type PermissionRuleV2 } from "../permissions/permission.schemas.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { createRoleRepository, type ProjectRole } from "./role.repository.js";
import { createProjectRepository } from "./project.repository.js";
import type { CreateRoleBody, CreateRoleV1Body } from "./role.schemas.js";

// Custom project roles (auth-and-permissions.md §C.7).

export function createRoleService({ db, permissionService }: { db: Db; permissionService: PermissionService }) {
  const roles = createRoleRepository(db);
  const projects = createProjectRepository(db);

  async function createRole(actor: Actor, projectId: string, body: CreateRoleBody): Promise<ProjectRole> {
    return insertRole(actor, projectId, { ...body, permissions: body.permissions as PermissionRuleV2[] });
  }

  /** v1 format: `secrets` rules are expanded (§B.8); the response hides dynamic-secrets and secret-imports rules. */
  async function createRoleV1(actor: Actor, projectSlug: string, body: CreateRoleV1Body): Promise<ProjectRole> {
    const project = await projects.findBySlug(actor.orgId, projectSlug);
    if (!project) throw new NotFoundError(`Project with slug '${projectSlug}' not found`);
    const role = await insertRole(actor, project.id, { ...body, permissions: expandV1Rules(body.permissions as PermissionRuleV1[]) });
    return { ...role, permissions: v1VisibleRules(role.permissions) };
  }

  async function insertRole(
    actor: Actor,
    projectId: string,
    body: { slug: string; name: string; description?: string | null; permissions: PermissionRuleV2[] },
  ): Promise<ProjectRole> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.Role);
    const rules = body.permissions;
    if (!permission.isProjectAdmin) {
      const missing = missingPermissions(permission, rules);
      if (missing.length > 0) {
        throw new PermissionBoundaryError("Failed to create custom role. Actor privilege level is not high enough to perform this action", {
          details: { missingPermissions: missing },
        });
      }
    }
    return roles.insert({
      projectId: permission.projectId,
      name: body.name,
      slug: body.slug,
      description: body.description ?? null,
      permissions: rules,
    });
  }

  return { createRole, createRoleV1 };
}

export type RoleService = ReturnType<typeof createRoleService>;
