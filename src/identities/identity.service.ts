import type { Actor } from "../auth/actor.js";
import { createIdentityRepository, type Identity } from "../auth/identity.repository.js";
import type { Db } from "../db/database.js";
import { NotFoundError, PermissionBoundaryError } from "../lib/errors.js";
import { OrgPermissionIdentityActions, OrgPermissionSubjects } from "../permissions/actions.js";
import { BUILT_IN_ORG_ROLE_RULES, isBuiltInOrgRole } from "../permissions/built-in-roles.js";
import type { PermissionService } from "../permissions/permission.service.js";
import type { CreateIdentityBody } from "./identity.schemas.js";

// Machine identities (auth-and-permissions.md §C.4). New identities join the actor's organization.

export function createIdentityService({ db, permissionService }: { db: Db; permissionService: PermissionService }) {
  async function createIdentity(actor: Actor, body: CreateIdentityBody): Promise<Identity> {
    const permission = await permissionService.getOrgPermission(actor, body.organizationId);
    permission.assertCan(OrgPermissionIdentityActions.Create, OrgPermissionSubjects.Identity);
    if (!isBuiltInOrgRole(body.role)) throw new NotFoundError(`Organization role with slug '${body.role}' not found`);
    // Privilege boundary: the actor must itself hold every permission of the role it grants.
    const missing = BUILT_IN_ORG_ROLE_RULES[body.role].flatMap((rule) =>
      rule.action.filter((action) => !permission.can(action, rule.subject as string)).map((action) => ({ action, subject: rule.subject })),
    );
    if (missing.length > 0) {
      throw new PermissionBoundaryError("Failed to create identity. Actor privilege level is not high enough to perform this action", {
        details: { missingPermissions: missing },
      });
    }
    const identityId = await db.transaction().execute(async (trx) => {
      const repo = createIdentityRepository(trx);
      const identity = await repo.insertIdentity({ name: body.name, hasDeleteProtection: body.hasDeleteProtection });
      await repo.insertOrgMembership({ orgId: actor.orgId, identityId: identity.id, role: body.role });
      await repo.insertIdentityMetadata(actor.orgId, identity.id, body.metadata ?? []);
      return identity.id;
    });
    return (await createIdentityRepository(db).findIdentityInOrg(identityId, actor.orgId))!;
  }

  return { createIdentity };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
