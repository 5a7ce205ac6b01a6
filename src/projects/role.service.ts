import type { Actor } from "../auth/actor.js";
import type { Db } from "../db/database.js";
import { PermissionBoundaryError } from "../lib/errors.js";
import { missingPermissions } from "../permissions/ability.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import type { PermissionRuleV2 } from "../permissions/permission.schemas.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { createRoleRepository, type ProjectRole } from "./role.repository.js";
import type { CreateRoleBody } from "./role.schemas.js";

// Custom project roles (auth-and-permissions.md §C.7).

export function createRoleService({ db, permissionService }: { db: Db; permissionService: PermissionService }) {
  const roles = createRoleRepository(db);

  async function createRole(actor: Actor, projectId: string, body: CreateRoleBody): Promise<ProjectRole> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Create, ProjectPermissionSub.Role);
    const rules = body.permissions as PermissionRuleV2[];
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

  return { createRole };
}

export type RoleService = ReturnType<typeof createRoleService>;
