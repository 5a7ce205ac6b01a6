import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType, type ManagementAuditEvent } from "../audit/audit.types.js";
import type { Actor } from "../lib/actor.js";
import type { AuthService } from "../auth/auth.service.js";
import type { Db, Executor } from "../db/database.js";
import type { RequestContext } from "../http/request-context.js";
import { BadRequestError, NotFoundError, PermissionBoundaryError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { OrgPermissionIdentityActions, OrgPermissionSubjects } from "../permissions/actions.js";
import { BUILT_IN_ORG_ROLE_RULES, isBuiltInOrgRole } from "../permissions/built-in-roles.js";
import type { OrgPermission, PermissionService } from "../permissions/permission.service.js";
import type { CreateIdentityBody, UpdateIdentityBody } from "./identity.schemas.js";
import * as identities from "./identity.repository.js";
import type { Identity, OrgIdentity } from "./identity.repository.js";

// Machine identities of the organization (get, list, update, delete
// and token revocation at Infisical parity). New identities join the actor's organization.

/** The org role must exist (404) and the actor must itself hold every permission it grants (403). */
function assertCanGrantOrgRole(permission: OrgPermission, role: string, boundaryMessage: string): void {
  if (!isBuiltInOrgRole(role)) throw new NotFoundError(`Organization role with slug '${role}' not found`);
  const missing = BUILT_IN_ORG_ROLE_RULES[role].flatMap((rule) =>
    rule.action.filter((action) => !permission.can(action, rule.subject as string)).map((action) => ({ action, subject: rule.subject })),
  );
  if (missing.length > 0) throw new PermissionBoundaryError(boundaryMessage, { details: { missingPermissions: missing } });
}

export function createIdentityService({
  db,
  permissionService,
  auditWriter,
  auth,
}: {
  db: Db;
  permissionService: PermissionService;
  auditWriter: AuditWriter;
  auth: Pick<AuthService, "revokeIdentityTokens">;
}) {
  const audit = (executor: Executor, actor: Actor, ctx: RequestContext, event: ManagementAuditEvent) =>
    auditWriter.record(executor, { actor, ctx, event });

  /** The identity's membership in the actor's organization, else Infisical's 404. */
  async function findInActorOrg(actor: Actor, identityId: string): Promise<OrgIdentity> {
    const found = isUuid(identityId) ? await identities.findInOrg(db, identityId, actor.orgId) : undefined;
    if (!found) throw new NotFoundError(`Failed to find identity with id ${identityId}`);
    return found;
  }

  async function createIdentity(actor: Actor, body: CreateIdentityBody): Promise<Identity> {
    const permission = await permissionService.getOrgPermission(actor, body.organizationId);
    permission.assertCan(OrgPermissionIdentityActions.Create, OrgPermissionSubjects.Identity);
    assertCanGrantOrgRole(permission, body.role, "Failed to create identity. Actor privilege level is not high enough to perform this action");
    const identityId = await db.transaction().execute((trx) =>
      createInOrg(trx, { orgId: actor.orgId, name: body.name, hasDeleteProtection: body.hasDeleteProtection, role: body.role, metadata: body.metadata ?? [] }),
    );
    return (await identities.findIdentityInOrg(db, identityId, actor.orgId))!;
  }

  /** A new identity with its role in `orgId`; no permission check (callers check their own). Returns its id. */
  async function createInOrg(
    executor: Executor,
    input: { orgId: string; name: string; hasDeleteProtection: boolean; role: string; metadata: { key: string; value: string }[] },
  ): Promise<string> {
    const identity = await identities.insertIdentity(executor, { name: input.name, hasDeleteProtection: input.hasDeleteProtection });
    await identities.insertOrgMembership(executor, { orgId: input.orgId, identityId: identity.id, role: input.role });
    await identities.insertMetadata(executor, input.orgId, identity.id, input.metadata);
    return identity.id;
  }

  async function getIdentity(actor: Actor, identityId: string): Promise<OrgIdentity & { metadata: { id: string; key: string; value: string }[] }> {
    const found = await findInActorOrg(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.Read, OrgPermissionSubjects.Identity);
    return { ...found, metadata: await identities.listMetadata(db, found.identityId) };
  }

  async function listIdentities(actor: Actor, orgId: string): Promise<OrgIdentity[]> {
    const permission = await permissionService.getOrgPermission(actor, orgId);
    permission.assertCan(OrgPermissionIdentityActions.Read, OrgPermissionSubjects.Identity);
    return identities.listInOrg(db, actor.orgId);
  }

  /** Name, delete protection, org role and metadata (replaced when given); a new role counts from the next request. */
  async function updateIdentity(actor: Actor, ctx: RequestContext, identityId: string, body: UpdateIdentityBody): Promise<Identity> {
    const found = await findInActorOrg(actor, identityId);
    const permission = await permissionService.getOrgPermission(actor);
    permission.assertCan(OrgPermissionIdentityActions.Edit, OrgPermissionSubjects.Identity);
    if (body.role !== undefined) {
      assertCanGrantOrgRole(permission, body.role, "Failed to update identity. Actor privilege level is not high enough to perform this action");
    }
    await db.transaction().execute(async (trx) => {
      // Deleted between our read and our write: the answer a later request would get.
      if (!(await identities.lockIdentity(trx, found.identityId))) throw new NotFoundError(`Failed to find identity with id ${identityId}`);
      await identities.updateIdentity(trx, found.identityId, { name: body.name, hasDeleteProtection: body.hasDeleteProtection });
      if (body.role !== undefined) await identities.setOrgRole(trx, found.identityId, actor.orgId, body.role);
      if (body.metadata !== undefined) await identities.replaceMetadata(trx, actor.orgId, found.identityId, body.metadata);
      await audit(trx, actor, ctx, {
        type: EventType.UpdateIdentity,
        metadata: { name: body.name ?? found.identity.name, identityId: found.identityId },
      });
    });
    return (await identities.findIdentityInOrg(db, found.identityId, actor.orgId))!;
  }

  /** Deletes the identity: its tokens stop working on the very next request. */
  async function deleteIdentity(actor: Actor, ctx: RequestContext, identityId: string): Promise<Identity> {
    const found = await findInActorOrg(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.Delete, OrgPermissionSubjects.Identity);
    if (found.identity.hasDeleteProtection) throw new BadRequestError("Identity has delete protection");
    const identity = (await identities.findIdentityInOrg(db, found.identityId, actor.orgId))!;
    await db.transaction().execute(async (trx) => {
      if (!(await identities.deleteIdentity(trx, found.identityId))) {
        throw new NotFoundError(`Failed to find identity with id ${identityId}`);
      }
      await audit(trx, actor, ctx, { type: EventType.DeleteIdentity, metadata: { identityId: found.identityId } });
    });
    return identity;
  }

  /** Revokes every live access token of the identity; they stop working on the very next request. */
  async function revokeAccessTokens(actor: Actor, ctx: RequestContext, identityId: string): Promise<number> {
    const found = await findInActorOrg(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.DeleteToken, OrgPermissionSubjects.Identity);
    return db.transaction().execute(async (trx) => {
      const revokedCount = await auth.revokeIdentityTokens(trx, found.identityId);
      await audit(trx, actor, ctx, { type: EventType.RevokeIdentityAccessTokens, metadata: { identityId: found.identityId, revokedCount } });
      return revokedCount;
    });
  }

  /** The identity if it is a member of `orgId`; no permission check (callers check their own). */
  async function findInOrg(identityId: string, orgId: string): Promise<Identity | undefined> {
    return isUuid(identityId) ? identities.findIdentityInOrg(db, identityId, orgId) : undefined;
  }

  return { createIdentity, createInOrg, getIdentity, listIdentities, updateIdentity, deleteIdentity, revokeAccessTokens, findInOrg };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
