import { randomBytes } from "node:crypto";
import ms from "ms";
import type { Actor } from "../lib/actor.js";
import { BadRequestError, NotFoundError, PermissionBoundaryError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { customRoleRules, missingPermissions } from "../permissions/ability.js";
import { ProjectPermissionIdentityActions, ProjectPermissionSub } from "../permissions/actions.js";
import type { PermissionRuleV2 } from "../permissions/permission.schemas.js";
import type { PermissionService } from "../permissions/permission.service.js";
import type { Executor } from "../db/database.js";
import * as memberships from "./membership.repository.js";
import * as privileges from "./privilege.repository.js";
import type { CreatePrivilegeBody } from "./privilege.schemas.js";
import { temporaryAccessOf, type TemporaryAccess } from "./temporary-access.js";

// Additional privileges of an identity in a project.

// Infisical's response schema for privileges predates these subjects and drops their rules.
const HIDDEN_IN_RESPONSE = new Set<string>([
  ProjectPermissionSub.DynamicSecrets,
  ProjectPermissionSub.SecretImports,
  ProjectPermissionSub.SecretFolders,
]);

export type Privilege = {
  id: string;
  slug: string;
  identityId: string;
  projectId: string;
  permissions: PermissionRuleV2[];
  createdAt: Date;
  updatedAt: Date;
} & TemporaryAccess;

export function createPrivilegeService({ db, permissionService }: { db: Executor; permissionService: PermissionService }) {
  async function createPrivilege(actor: Actor, body: CreatePrivilegeBody): Promise<Privilege> {
    const membershipId =
      isUuid(body.projectId) && isUuid(body.identityId) ? await memberships.findMembershipId(db, body.projectId, body.identityId) : undefined;
    if (!membershipId) throw new NotFoundError(`Failed to find identity with id ${body.identityId}`);
    const permission = await permissionService.getProjectPermission(actor, body.projectId);
    permission.assertCan(ProjectPermissionIdentityActions.Edit, ProjectPermissionSub.Identity);
    const rules = body.permissions as PermissionRuleV2[];
    if (!permission.isProjectAdmin) {
      const missing = missingPermissions(permission, customRoleRules(rules));
      if (missing.length > 0) {
        throw new PermissionBoundaryError(
          "Failed to update more privileged identity. Actor privilege level is not high enough to perform this action",
          { details: { missingPermissions: missing } },
        );
      }
    }
    let window: { start: Date; end: Date } | undefined;
    if (body.type.isTemporary) {
      const duration = ms(body.type.temporaryRange as ms.StringValue);
      if (typeof duration !== "number" || !Number.isFinite(duration) || duration <= 0) {
        throw new BadRequestError("Temporary privilege must have access start time and range");
      }
      const start = new Date(body.type.temporaryAccessStartTime);
      const end = new Date(start.getTime() + duration);
      // A range that ends past the last representable date names no end (an Invalid Date, then a 500).
      if (Number.isNaN(end.getTime())) throw new BadRequestError("Temporary privilege must have access start time and range");
      window = { start, end };
    }
    const slug = body.slug ?? `privilege-${randomBytes(4).toString("hex")}`;
    const row = await privileges.insertPrivilege(db, {
      membershipId,
      slug,
      permissions: rules,
      temporary: window && body.type.isTemporary ? { range: body.type.temporaryRange, ...window } : undefined,
    });
    // The membership was deleted between our read and our write.
    if (!row) throw new NotFoundError(`Failed to find identity with id ${body.identityId}`);
    return {
      id: row.id,
      slug: row.slug,
      identityId: body.identityId,
      projectId: body.projectId,
      permissions: rules.filter((rule) => !HIDDEN_IN_RESPONSE.has(rule.subject)),
      ...temporaryAccessOf(row),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  return { createPrivilege };
}

export type PrivilegeService = ReturnType<typeof createPrivilegeService>;
