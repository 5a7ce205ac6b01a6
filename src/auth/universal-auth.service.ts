import { randomUUID } from "node:crypto";
import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType } from "../audit/audit.types.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import type { RequestContext } from "../http/request-context.js";
import { BadRequestError, ForbiddenRequestError, NotFoundError, UnauthorizedError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";
import { OrgPermissionIdentityActions, OrgPermissionSubjects } from "../permissions/actions.js";
import type { PermissionService } from "../permissions/permission.service.js";
import type { IdentityService } from "../identities/identity.service.js";
import type { Actor } from "../lib/actor.js";
import type { TokenGrant } from "./auth.service.js";
import * as tokens from "./access-token.repository.js";
import { generateClientSecret, hashSecret, signAccessToken, verifySecret } from "./token.js";
import { isIpTrusted, parseTrustedIp } from "./trusted-ips.js";
import type { AttachUniversalAuthBody, UpdateUniversalAuthBody } from "./universal-auth.schemas.js";
import * as universalAuths from "./universal-auth.repository.js";
import type { ClientSecret, UniversalAuth } from "./universal-auth.repository.js";

// Universal Auth: attach to an identity, client secrets, login.

const INVALID_CREDENTIALS = "Invalid credentials";
const NO_UNIVERSAL_AUTH = "The identity does not have universal auth";
const PERIODIC_MAX_TTL = 1_000_000_000;

function assertTtlWithinMax(body: UpdateUniversalAuthBody, stored: UniversalAuth): void {
  const ttl = body.accessTokenTTL ?? stored.accessTokenTTL;
  const maxTtl = body.accessTokenMaxTTL ?? stored.accessTokenMaxTTL;
  if (maxTtl > 0 && ttl > maxTtl) throw new BadRequestError("Access token TTL cannot be greater than max TTL");
}

export function createUniversalAuthService({
  db,
  config,
  auditWriter,
  permissionService,
  identities,
}: {
  db: Db;
  config: Pick<Config, "authSecret">;
  auditWriter: AuditWriter;
  permissionService: PermissionService;
  identities: Pick<IdentityService, "findInOrg">;
}) {
  async function identityInActorOrg(actor: Actor, identityId: string) {
    const identity = await identities.findInOrg(identityId, actor.orgId);
    if (!identity) throw new NotFoundError(`Failed to find identity with ID ${identityId}`);
    return identity;
  }

  async function attach(actor: Actor, identityId: string, body: AttachUniversalAuthBody): Promise<UniversalAuth> {
    const identity = await identityInActorOrg(actor, identityId);
    if (identity.authMethods.includes("universal-auth")) {
      throw new BadRequestError("Failed to add universal auth to already configured identity");
    }
    const permission = await permissionService.getOrgPermission(actor);
    permission.assertCan(OrgPermissionIdentityActions.Create, OrgPermissionSubjects.Identity);
    return universalAuths.insertUniversalAuth(db, identity.id, randomUUID(), {
      ...body,
      clientSecretTrustedIps: body.clientSecretTrustedIps.map((ip) => parseTrustedIp(ip.ipAddress)),
      accessTokenTrustedIps: body.accessTokenTrustedIps.map((ip) => parseTrustedIp(ip.ipAddress)),
    });
  }

  async function get(actor: Actor, identityId: string): Promise<UniversalAuth> {
    const ua = await universalAuthOf(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.Read, OrgPermissionSubjects.Identity);
    return ua;
  }

  async function update(actor: Actor, identityId: string, body: UpdateUniversalAuthBody): Promise<UniversalAuth> {
    const ua = await universalAuthOf(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.Edit, OrgPermissionSubjects.Identity);
    assertTtlWithinMax(body, ua);
    if (Object.values(body).every((value) => value === undefined)) return ua;
    const patch = {
      ...body,
      clientSecretTrustedIps: body.clientSecretTrustedIps?.map((ip) => parseTrustedIp(ip.ipAddress)),
      accessTokenTrustedIps: body.accessTokenTrustedIps?.map((ip) => parseTrustedIp(ip.ipAddress)),
    };
    // TTL ≤ max TTL is checked again on the locked row: two PATCHes (one lowering the max, one
    // raising the TTL) cannot both pass against the same old values.
    return db.transaction().execute(async (trx) => {
      const locked = await universalAuths.lockById(trx, ua.id);
      // Detached between our read and our write: the answer a later request would get.
      if (!locked) throw new BadRequestError(NO_UNIVERSAL_AUTH);
      assertTtlWithinMax(body, locked);
      return (await universalAuths.updateUniversalAuth(trx, ua.id, patch))!;
    });
  }

  /** Detaching Universal Auth also ends every token it issued. */
  async function remove(actor: Actor, identityId: string): Promise<UniversalAuth> {
    const ua = await universalAuthOf(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.RevokeAuth, OrgPermissionSubjects.Identity);
    await db.transaction().execute((trx) => universalAuths.deleteUniversalAuth(trx, ua));
    return ua;
  }

  async function universalAuthOf(actor: Actor, identityId: string): Promise<UniversalAuth> {
    const identity = await identityInActorOrg(actor, identityId);
    const ua = await universalAuths.findByIdentity(db, identity.id);
    if (!ua) throw new BadRequestError(NO_UNIVERSAL_AUTH);
    return ua;
  }

  /** The plaintext secret is returned once; only its 4-character prefix and a slow hash are kept. */
  async function createClientSecret(
    actor: Actor,
    identityId: string,
    input: { description: string; numUsesLimit: number; ttl: number },
  ): Promise<{ clientSecret: string; clientSecretData: ClientSecret }> {
    const ua = await universalAuthOf(actor, identityId);
    const permission = await permissionService.getOrgPermission(actor);
    permission.assertCan(OrgPermissionIdentityActions.CreateToken, OrgPermissionSubjects.Identity);
    const clientSecret = generateClientSecret();
    const clientSecretData = await universalAuths.insertClientSecret(db, {
      uaId: ua.id,
      description: input.description,
      prefix: clientSecret.slice(0, 4),
      hash: await hashSecret(clientSecret),
      numUsesLimit: input.numUsesLimit,
      ttl: input.ttl,
    });
    if (!clientSecretData) throw new BadRequestError(NO_UNIVERSAL_AUTH);
    return { clientSecret, clientSecretData };
  }

  /** Live client secrets only, never their values (Infisical's list). */
  async function listClientSecrets(actor: Actor, ctx: RequestContext, identityId: string): Promise<ClientSecret[]> {
    const ua = await universalAuthOf(actor, identityId);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.Read, OrgPermissionSubjects.Identity);
    const secrets = await universalAuths.listClientSecrets(db, ua.id);
    await auditWriter.record(db, { actor, ctx, event: { type: EventType.GetIdentityUniversalAuthClientSecrets, metadata: { identityId: ua.identityId } } });
    return secrets;
  }

  async function getClientSecret(actor: Actor, identityId: string, clientSecretId: string): Promise<ClientSecret> {
    const ua = await universalAuthOf(actor, identityId);
    const secret = isUuid(clientSecretId) ? await universalAuths.findClientSecret(db, ua.id, clientSecretId) : undefined;
    // Infisical's message names the identity here.
    if (!secret) throw new NotFoundError(`Failed to find identity with ID ${identityId}`);
    (await permissionService.getOrgPermission(actor)).assertCan(OrgPermissionIdentityActions.Read, OrgPermissionSubjects.Identity);
    return secret;
  }

  /** Revokes the secret and every access token issued with it: they stop working on the next request. */
  async function revokeClientSecret(actor: Actor, ctx: RequestContext, identityId: string, clientSecretId: string): Promise<ClientSecret> {
    const ua = await universalAuthOf(actor, identityId);
    const permission = await permissionService.getOrgPermission(actor);
    permission.assertCan(OrgPermissionIdentityActions.DeleteToken, OrgPermissionSubjects.Identity);
    const notFound = () => new NotFoundError(`Failed to find client secret with ID ${clientSecretId}`);
    if (!isUuid(clientSecretId)) throw notFound();
    return db.transaction().execute(async (trx) => {
      const revoked = await universalAuths.revokeClientSecret(trx, ua.id, clientSecretId);
      if (!revoked) throw notFound();
      await tokens.revokeTokens(trx, ua.identityId, revoked.id);
      await auditWriter.record(trx, {
        actor,
        ctx,
        event: { type: EventType.RevokeIdentityUniversalAuthClientSecret, metadata: { identityId: ua.identityId, clientSecretId: revoked.id } },
      });
      return revoked;
    });
  }

  /** Login, with Infisical's checks in Infisical's order; every credential failure is the same 401. */
  async function login(input: { clientId: string; clientSecret: string; clientIp: string }): Promise<TokenGrant> {
    const target = await universalAuths.findLoginTarget(db, input.clientId);
    if (!target) throw new UnauthorizedError(INVALID_CREDENTIALS);
    const { ua } = target;
    if (!isIpTrusted(input.clientIp, ua.clientSecretTrustedIps)) {
      throw new ForbiddenRequestError("You are not allowed to access this resource from the current IP address");
    }
    if (target.locked) throw new UnauthorizedError("This identity auth method is temporarily locked, please try again later");

    let matched;
    for (const candidate of await universalAuths.listCandidates(db, ua.id, input.clientSecret.slice(0, 4))) {
      if (await verifySecret(input.clientSecret, candidate.hash)) {
        matched = candidate;
        break;
      }
    }
    if (!matched) {
      if (ua.lockoutEnabled) await universalAuths.recordFailedLogin(db, ua.id);
      throw new UnauthorizedError(INVALID_CREDENTIALS);
    }
    if (matched.expired) {
      await universalAuths.revokeClientSecret(db, ua.id, matched.id);
      throw new UnauthorizedError("Access denied due to expired client secret");
    }
    const usageLimitReached = async (): Promise<never> => {
      await universalAuths.revokeClientSecret(db, ua.id, matched.id);
      throw new UnauthorizedError("Access denied due to client secret usage limit reached");
    };
    if (matched.usesExhausted) await usageLimitReached();
    if (!target.orgId) throw new BadRequestError("Identity does not belong to this organization");

    const periodic = ua.accessTokenPeriod > 0;
    const ttl = periodic ? ua.accessTokenPeriod : ua.accessTokenTTL;
    const maxTtl = periodic ? PERIODIC_MAX_TTL : ua.accessTokenMaxTTL;
    const token = await db.transaction().execute(async (trx) => {
      if (!(await universalAuths.consumeClientSecret(trx, matched.id))) return undefined;
      await tokens.touchOrgLogin(trx, ua.identityId);
      await universalAuths.clearLockout(trx, ua.id);
      return tokens.insertAccessToken(trx, {
        identityId: ua.identityId,
        clientSecretId: matched.id,
        name: null,
        authMethod: "universal-auth",
        ttl,
        maxTtl,
        numUsesLimit: ua.accessTokenNumUsesLimit,
        period: ua.accessTokenPeriod,
      });
    });
    // Another login consumed the last use between our read and our write.
    if (!token) return usageLimitReached();
    return {
      accessToken: signAccessToken(
        config.authSecret,
        { identityId: ua.identityId, identityAccessTokenId: token.id, clientSecretId: matched.id },
        ttl,
      ),
      expiresIn: ttl,
      accessTokenMaxTTL: maxTtl,
      tokenType: "Bearer",
    };
  }

  return { attach, get, update, remove, createClientSecret, listClientSecrets, getClientSecret, revokeClientSecret, login };
}

export type UniversalAuthService = ReturnType<typeof createUniversalAuthService>;
