import ms from "ms";
import type { Actor } from "../lib/actor.js";
import type { Db } from "../db/database.js";
import type { IdentityService } from "../identities/identity.service.js";
import { isForeignKeyViolation } from "../db/pg-errors.js";
import { BadRequestError, NotFoundError, PermissionBoundaryError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { customRoleRules, missingPermissions, type PermissionRule } from "../permissions/ability.js";
import { ProjectPermissionIdentityActions, ProjectPermissionSub } from "../permissions/actions.js";
import { BUILT_IN_PROJECT_ROLE_RULES, isBuiltInProjectRole } from "../permissions/built-in-roles.js";
import type { PermissionService, ProjectPermission } from "../permissions/permission.service.js";
import * as memberships from "./membership.repository.js";
import type { Membership, MembershipWithIdentity, NewMembershipRole } from "./membership.repository.js";
import * as projectRoles from "./role.repository.js";
import type { CreateMembershipBody, MembershipRoleInput } from "./membership.schemas.js";

// Identity project memberships, checks in Infisical's order.

function temporaryEnd(role: MembershipRoleInput): { start: Date; end: Date } {
  const start = new Date(role.temporaryAccessStartTime!);
  const duration = ms(role.temporaryRange! as ms.StringValue);
  if (typeof duration !== "number" || !Number.isFinite(duration) || duration <= 0) {
    throw new BadRequestError("Temporary role must have access start time and range");
  }
  // A range that ends past the last representable date names no end (an Invalid Date, then a 500).
  const end = new Date(start.getTime() + duration);
  if (Number.isNaN(end.getTime())) throw new BadRequestError("Temporary role must have access start time and range");
  return { start, end };
}

function assertRoleShapes(requested: MembershipRoleInput[]): void {
  if (!requested.some((role) => !role.isTemporary)) throw new BadRequestError("Identity must have at least one permanent role");
  if (requested.some((role) => role.isTemporary && (!role.temporaryAccessStartTime || !role.temporaryRange))) {
    throw new BadRequestError("Temporary role must have access start time and range");
  }
}

const rolesNotFound = (slugs: readonly string[], projectId: string) =>
  new NotFoundError(`Specified roles '${slugs.join(", ")}' was not found in the project with ID '${projectId}'`);

/**
 * A custom role (or the identity) deleted between the lookup and the insert: the foreign key
 * decides, and the answer is the one a later request would get, not a 500. The role's row lock
 * (taken by its delete) makes the insert wait and then fail here.
 */
function translateRaceError(err: unknown, requested: MembershipRoleInput[], projectId: string, identityId: string): never {
  if (isForeignKeyViolation(err, "identity_project_membership_roles_custom_role_id_fkey")) {
    throw rolesNotFound([...new Set(requested.map((r) => r.role).filter((slug) => !isBuiltInProjectRole(slug)))], projectId);
  }
  if (isForeignKeyViolation(err, "identity_project_memberships_identity_id_fkey")) {
    throw new BadRequestError(`Identity ${identityId} is missing organization membership`);
  }
  throw err;
}

export function createMembershipService({
  db,
  permissionService,
  identities,
}: {
  db: Db;
  permissionService: PermissionService;
  identities: Pick<IdentityService, "findInOrg">;
}) {
  /** Requested roles → rows to store, after the custom-role lookup (404) and the privilege boundary (403). */
  async function resolveRoles(
    permission: ProjectPermission,
    requested: MembershipRoleInput[],
    boundaryMessage: string,
  ): Promise<NewMembershipRole[]> {
    const customSlugs = [...new Set(requested.map((r) => r.role).filter((slug) => !isBuiltInProjectRole(slug)))];
    const customRoles = await projectRoles.findBySlugs(db, permission.projectId, customSlugs);
    const missingSlugs = customSlugs.filter((slug) => !customRoles.some((role) => role.slug === slug));
    if (missingSlugs.length > 0) throw rolesNotFound(missingSlugs, permission.projectId);
    const roles: NewMembershipRole[] = [];
    const granted: PermissionRule[] = [];
    for (const input of requested) {
      const custom = customRoles.find((role) => role.slug === input.role);
      if (custom) granted.push(...customRoleRules(custom.permissions));
      else if (isBuiltInProjectRole(input.role)) granted.push(...BUILT_IN_PROJECT_ROLE_RULES[input.role]);
      const window = input.isTemporary ? temporaryEnd(input) : undefined;
      roles.push({
        role: custom ? "custom" : input.role,
        customRoleId: custom?.id ?? null,
        isTemporary: input.isTemporary,
        temporaryMode: window ? (input.temporaryMode ?? "relative") : null,
        temporaryRange: window ? input.temporaryRange! : null,
        temporaryAccessStartTime: window?.start ?? null,
        temporaryAccessEndTime: window?.end ?? null,
      });
    }
    if (!permission.isProjectAdmin) {
      const missing = missingPermissions(permission, granted);
      if (missing.length > 0) throw new PermissionBoundaryError(boundaryMessage, { details: { missingPermissions: missing } });
    }
    return roles;
  }

  async function createIdentityMembership(
    actor: Actor,
    projectId: string,
    identityId: string,
    body: CreateMembershipBody,
  ): Promise<Membership> {
    const requested: MembershipRoleInput[] = body.roles ?? [{ role: body.role ?? "no-access", isTemporary: false }];
    assertRoleShapes(requested);
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionIdentityActions.Create, ProjectPermissionSub.Identity);
    const identity = await identities.findInOrg(identityId, actor.orgId);
    if (!identity) throw new BadRequestError(`Identity ${identityId} is missing organization membership`);
    const roles = await resolveRoles(
      permission,
      requested,
      "Failed to create identity project membership. Actor privilege level is not high enough to perform this action",
    );
    return db
      .transaction()
      .execute((trx) => memberships.insertMembership(trx, permission.projectId, identity.id, roles))
      .catch((err: unknown) => translateRaceError(err, requested, permission.projectId, identity.id));
  }

  function membershipNotFound(identityId: string, projectId: string): NotFoundError {
    return new NotFoundError(`Project membership for identity with ID '${identityId}' in project with ID '${projectId}' not found`);
  }

  /** Replaces the membership's roles; they count from the next request. */
  async function updateIdentityMembership(
    actor: Actor,
    projectId: string,
    identityId: string,
    requested: MembershipRoleInput[],
  ): Promise<Membership> {
    assertRoleShapes(requested);
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionIdentityActions.Edit, ProjectPermissionSub.Identity);
    const roles = await resolveRoles(
      permission,
      requested,
      "Failed to update identity project membership. Actor privilege level is not high enough to perform this action",
    );
    const updated = isUuid(identityId)
      ? await db
          .transaction()
          .execute((trx) => memberships.replaceRoles(trx, permission.projectId, identityId, roles))
          .catch((err: unknown) => translateRaceError(err, requested, permission.projectId, identityId))
      : undefined;
    if (!updated) throw membershipNotFound(identityId, permission.projectId);
    return updated;
  }

  async function deleteIdentityMembership(actor: Actor, projectId: string, identityId: string): Promise<Membership> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionIdentityActions.Delete, ProjectPermissionSub.Identity);
    if (identityId === actor.identityId) throw new BadRequestError("You can't delete your own membership");
    const deleted = isUuid(identityId) ? await memberships.deleteMembership(db, permission.projectId, identityId) : undefined;
    if (!deleted) throw membershipNotFound(identityId, permission.projectId);
    return deleted;
  }

  /** The project's identity memberships with their roles. */
  async function listIdentityMemberships(actor: Actor, projectId: string): Promise<MembershipWithIdentity[]> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionIdentityActions.Read, ProjectPermissionSub.Identity);
    return memberships.listWithIdentities(db, permission.projectId);
  }

  async function getIdentityMembership(actor: Actor, projectId: string, identityId: string): Promise<MembershipWithIdentity> {
    const permission = await permissionService.getProjectPermission(actor, projectId);
    permission.assertCan(ProjectPermissionIdentityActions.Read, ProjectPermissionSub.Identity);
    const [membership] = isUuid(identityId) ? await memberships.listWithIdentities(db, permission.projectId, identityId) : [];
    if (!membership) throw membershipNotFound(identityId, permission.projectId);
    return membership;
  }

  return {
    createIdentityMembership,
    updateIdentityMembership,
    deleteIdentityMembership,
    listIdentityMemberships,
    getIdentityMembership,
  };
}

export type MembershipService = ReturnType<typeof createMembershipService>;
