import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType } from "../audit/audit.types.js";
import type { Actor } from "../lib/actor.js";
import type { Db } from "../db/database.js";
import type { RequestContext } from "../http/request-context.js";
import { BadRequestError, NotFoundError, PermissionBoundaryError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { customRoleRules, missingPermissions, type PermissionRule } from "../permissions/ability.js";
import { ProjectPermissionActions, ProjectPermissionSub } from "../permissions/actions.js";
import { expandV1Rules, v1VisibleRules, type PermissionRuleV1, type PermissionRuleV2 } from "../permissions/permission.schemas.js";
import { BUILT_IN_PROJECT_ROLE_RULES, isBuiltInProjectRole } from "../permissions/built-in-roles.js";
import type { PermissionService, ProjectPermission } from "../permissions/permission.service.js";
import * as roles from "./role.repository.js";
import type { ProjectRole } from "./role.repository.js";
import * as projects from "./project.repository.js";
import type { CreateRoleBody, CreateRoleV1Body, UpdateRoleBody } from "./role.schemas.js";

// Custom project roles (get, list, update, delete at Infisical parity).

/** Infisical lists its predefined project roles with these fixed ids, before the custom ones. */
const PREDEFINED_ROLES = [
  { id: "b11b49a9-09a9-4443-916a-4246f9ff2c69", slug: "admin", name: "Admin", description: "Complete administration access over the project" },
  { id: "b11b49a9-09a9-4443-916a-4246f9ff2c70", slug: "member", name: "Developer", description: "Non-administrative role in an project" },
  { id: "b11b49a9-09a9-4443-916a-4246f9ff2c71", slug: "viewer", name: "Viewer", description: "Non-administrative role in an project" },
  { id: "b11b49a9-09a9-4443-916a-4246f9ff2c72", slug: "no-access", name: "No Access", description: "No access to any resources in the project" },
] as const;

/** Built-in rules (one per subject, a plain-string subject) in the stored-role shape. */
const asRoleRules = (rules: readonly PermissionRule[]): PermissionRuleV2[] =>
  rules.map((rule) => ({ subject: String(rule.subject), action: [...rule.action] }));

function predefinedRoles(projectId: string, now = new Date()): ProjectRole[] {
  return PREDEFINED_ROLES.map((role) => ({
    ...role,
    projectId,
    permissions: isBuiltInProjectRole(role.slug) ? asRoleRules(BUILT_IN_PROJECT_ROLE_RULES[role.slug]) : [],
    createdAt: now,
    updatedAt: now,
  }));
}

export function createRoleService({
  db,
  permissionService,
  auditWriter,
}: {
  db: Db;
  permissionService: PermissionService;
  auditWriter: AuditWriter;
}) {
  const audit = auditWriter.forProject;

  /** The actor must itself hold what the rules grant (project admins always do). */
  function assertWithinBoundary(permission: ProjectPermission, rules: PermissionRuleV2[], message: string): void {
    if (permission.isProjectAdmin) return;
    const missing = missingPermissions(permission, customRoleRules(rules));
    if (missing.length > 0) throw new PermissionBoundaryError(message, { details: { missingPermissions: missing } });
  }

  const roleNotFound = (roleId: string) => new NotFoundError(`Role with ${roleId} not found`);

  async function createRole(actor: Actor, projectId: string, body: CreateRoleBody): Promise<ProjectRole> {
    return insertRole(actor, projectId, { ...body, permissions: body.permissions as PermissionRuleV2[] });
  }

  /** v1 format: `secrets` rules are expanded; the response hides dynamic-secrets and secret-imports rules. */
  async function createRoleV1(actor: Actor, projectSlug: string, body: CreateRoleV1Body): Promise<ProjectRole> {
    const project = await projects.findBySlug(db, actor.orgId, projectSlug);
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
    assertWithinBoundary(permission, rules, "Failed to create custom role. Actor privilege level is not high enough to perform this action");
    return roles.insertRole(db, {
      projectId: permission.projectId,
      name: body.name,
      slug: body.slug,
      description: body.description ?? null,
      permissions: rules,
    });
  }

  /** The predefined roles, then the custom ones by slug (without their rules, as Infisical lists them). */
  async function listRoles(actor: Actor, projectId: string): Promise<ProjectRole[]> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.Role);
    return [...predefinedRoles(permission.projectId), ...(await roles.listByProject(db, permission.projectId))];
  }

  async function getRoleBySlug(actor: Actor, projectId: string, slug: string): Promise<ProjectRole> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Read, ProjectPermissionSub.Role);
    const predefined = predefinedRoles(permission.projectId).find((role) => role.slug === slug);
    if (predefined) return predefined;
    const [role] = await roles.findBySlugs(db, permission.projectId, [slug]);
    if (!role) throw new NotFoundError(`Role with slug ${slug} not found`);
    return role;
  }

  /** Absent fields are kept; new rules apply to every member holding the role from the next request. */
  async function updateRole(actor: Actor, ctx: RequestContext, projectId: string, roleId: string, body: UpdateRoleBody): Promise<ProjectRole> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Edit, ProjectPermissionSub.Role);
    const rules = body.permissions as PermissionRuleV2[] | undefined;
    if (rules) {
      assertWithinBoundary(permission, rules, "Failed to update custom role. Actor privilege level is not high enough to perform this action");
    }
    return db.transaction().execute(async (trx) => {
      const existing = isUuid(roleId) ? await roles.lockById(trx, permission.projectId, roleId) : undefined;
      if (!existing) throw roleNotFound(roleId);
      const patch = { slug: body.slug, name: body.name, description: body.description, permissions: rules };
      const changed = Object.values(patch).some((value) => value !== undefined);
      const role = changed ? await roles.updateRole(trx, existing.id, patch) : existing;
      await audit(trx, actor, ctx, permission, {
        type: EventType.UpdateProjectRole,
        metadata: {
          roleId: role.id,
          slug: body.slug,
          name: body.name,
          description: body.description,
          permissions: rules && JSON.stringify(rules),
        },
      });
      return role;
    });
  }

  /** Refused while any membership holds the role (Infisical's rule): nothing is ever unassigned silently. */
  async function deleteRole(actor: Actor, ctx: RequestContext, projectId: string, roleId: string): Promise<ProjectRole> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionActions.Delete, ProjectPermissionSub.Role);
    return db.transaction().execute(async (trx) => {
      // Locked first: a membership being given the role meanwhile waits, then fails to find it.
      const role = isUuid(roleId) ? await roles.lockById(trx, permission.projectId, roleId) : undefined;
      if (!role) throw roleNotFound(roleId);
      const count = await roles.countAssignments(trx, role.id);
      if (count > 0) {
        const plural = count > 1 ? "s" : "";
        throw new BadRequestError(
          `Role is assigned to ${count} identity membership${plural}. Re-assign membership role${plural} to delete this role.`,
        );
      }
      await roles.deleteRole(trx, role.id);
      await audit(trx, actor, ctx, permission, {
        type: EventType.DeleteProjectRole,
        metadata: { roleId: role.id, slug: role.slug, name: role.name },
      });
      return role;
    });
  }

  return { createRole, createRoleV1, listRoles, getRoleBySlug, updateRole, deleteRole };
}

export type RoleService = ReturnType<typeof createRoleService>;
