import type { Actor } from "../lib/actor.js";
import type { Executor } from "../db/database.js";
import { BadRequestError, ForbiddenRequestError, NotFoundError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { abilityFor, customRoleRules, isGrantActive, type Ability, type PermissionRule } from "./ability.js";
import { BUILT_IN_ORG_ROLE_RULES, BUILT_IN_PROJECT_ROLE_RULES, isBuiltInOrgRole, isBuiltInProjectRole } from "./built-in-roles.js";
import * as repo from "./permission.repository.js";
import type { ProjectAccess } from "./permission.repository.js";

// The ONE place that answers "what may this actor do in this project / organization".
// Nothing is cached across requests except compiled rule sets keyed by their content, so a
// removed membership or an edited role counts from the very next request.

export type ActiveRole = { slug: string; customRoleId: string | null; isTemporary: boolean };

export type ProjectPermission = Ability & {
  projectId: string;
  projectName: string;
  orgId: string;
  projectType: string;
  membershipId: string;
  /** Roles in effect now (expired temporary roles dropped), in membership order. */
  roles: ActiveRole[];
  /** True when the built-in `admin` role is among the active roles (privilege boundary shortcut). */
  isProjectAdmin: boolean;
};

export type OrgPermission = Ability & { orgId: string; role: string };

export type GetProjectPermissionOptions = {
  /** When set, the project's type must be this one, checked before membership. */
  projectType?: string;
};

export const notProjectMemberError = () =>
  new ForbiddenRequestError(undefined, { errorName: "You are not member of this project" });

/** A route for one project type refuses a project of another type (before any membership check). */
export function assertProjectType(project: { type: string }, expected: string): void {
  if (project.type !== expected) {
    throw new BadRequestError(`The project is of type ${project.type}. Operations of type ${expected} are not allowed.`);
  }
}

/**
 * A member's permission from its loaded access (pure; the lookups that load it decide 404/403
 * first). Temporary grants count while active now; an unknown built-in role slug is a 404.
 */
export function permissionFromAccess(access: ProjectAccess & { membershipId: string }, now = new Date()): ProjectPermission {
  const active = access.roles.filter((role) => isGrantActive(role, now));
  const rules: PermissionRule[] = [];
  // Built-in roles alone: their rules are constants, named by the slugs in order (see abilityFor).
  let builtInKey: string | undefined = "built-in project roles:";
  for (const role of active) {
    if (role.customRoleId) {
      rules.push(...customRoleRules(role.customRules ?? []));
      builtInKey = undefined;
    } else if (isBuiltInProjectRole(role.slug)) {
      rules.push(...BUILT_IN_PROJECT_ROLE_RULES[role.slug]);
      if (builtInKey !== undefined) builtInKey += `${role.slug},`;
    } else throw new NotFoundError(`Project role '${role.slug}' not found`);
  }
  for (const privilege of access.privileges) {
    if (!isGrantActive(privilege, now)) continue;
    rules.push(...customRoleRules(privilege.customRules ?? []));
    builtInKey = undefined;
  }
  return {
    ...abilityFor(rules, builtInKey),
    projectId: access.project.id,
    projectName: access.project.name,
    orgId: access.project.orgId,
    projectType: access.project.type,
    membershipId: access.membershipId,
    roles: active.map(({ slug, customRoleId, isTemporary }) => ({ slug, customRoleId, isTemporary })),
    isProjectAdmin: active.some((role) => !role.customRoleId && role.slug === "admin"),
  };
}

export function createPermissionService({ db }: { db: Executor }) {
  async function getProjectPermission(
    actor: Actor,
    projectId: string,
    options: GetProjectPermissionOptions = {},
  ): Promise<ProjectPermission> {
    const access = isUuid(projectId) ? await repo.findProjectAccess(db, projectId, actor.identityId) : undefined;
    if (!access) throw new NotFoundError(`Project with ${projectId} not found`);
    if (access.project.orgId !== actor.orgId) {
      throw new ForbiddenRequestError(undefined, { errorName: "This project does not belong to your selected organization." });
    }
    if (options.projectType !== undefined) assertProjectType(access.project, options.projectType);
    if (!access.membershipId) throw notProjectMemberError();
    return permissionFromAccess({ ...access, membershipId: access.membershipId });
  }

  /** Organization-level permission of the actor; `orgId`, when a request names one, must be the actor's. */
  async function getOrgPermission(actor: Actor, orgId: string = actor.orgId): Promise<OrgPermission> {
    if (orgId !== actor.orgId) {
      throw new ForbiddenRequestError(undefined, { errorName: "You are not allowed to access organization resource" });
    }
    const membership = await repo.findOrgRole(db, actor.orgId, actor.identityId);
    if (!membership || !membership.isActive) {
      throw new ForbiddenRequestError(undefined, { errorName: "You are not member of this organization" });
    }
    const { role } = membership;
    const ability = isBuiltInOrgRole(role) ? abilityFor(BUILT_IN_ORG_ROLE_RULES[role], `built-in org role:${role}`) : abilityFor([]);
    return { ...ability, orgId: actor.orgId, role };
  }

  return { getProjectPermission, getOrgPermission };
}

export type PermissionService = ReturnType<typeof createPermissionService>;
