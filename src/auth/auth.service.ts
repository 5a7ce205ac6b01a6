import type { Config } from "../config.js";
import type { Executor } from "../db/database.js";
import { BadRequestError, ForbiddenRequestError, NotFoundError, UnauthorizedError } from "../lib/errors.js";
import { createBoundedCache } from "../lib/caches.js";
import { isUuid } from "../lib/uuid.js";
import type { Actor } from "../lib/actor.js";
import * as tokens from "./access-token.repository.js";
import type { AccessToken, TokenUse } from "./access-token.repository.js";
import { IDENTITY_ACCESS_TOKEN_TYPE, signAccessToken, tokenSigningKey, verifyJwt } from "./token.js";
import { isIpTrusted } from "./trusted-ips.js";

// Bearer authentication and the access-token life cycle.

export type Credentials = {
  /** The raw Authorization header, if any. */
  authorization?: string;
  /** Whether an x-api-key header was sent (its value is never read). */
  hasApiKey: boolean;
  clientIp: string;
};

/** The ids a verified identity access token names. */
export type BearerClaims = { identityId: string; tokenId: string };

/**
 * A caller whose bearer token passed every check that needs no database, and whose token row is
 * read by the route's own first statement (see `tokenUseCtes`) instead of a statement of its own:
 * one round trip fewer on hot routes. `outcome` is the admission, decided once per request.
 */
export type PendingAuth = { claims: BearerClaims; clientIp: string; outcome?: Promise<Actor> };

export type TokenGrant = { accessToken: string; expiresIn: number; accessTokenMaxTTL: number; tokenType: "Bearer" };

const USES_EXHAUSTED = "Unable to renew because access token number of uses limit reached";
const TTL_EXPIRED = "Failed to renew MI access token due to TTL expiration";
const NO_TOKEN = "No identity access token found";

export function tokenMissingError(): UnauthorizedError {
  return new UnauthorizedError("Token missing");
}

function ttlExpired(token: AccessToken, now: Date): boolean {
  if (token.ttl <= 0) return false;
  const anchor = (token.lastRenewedAt ?? token.createdAt).getTime();
  return now.getTime() > anchor + token.ttl * 1000;
}

/** A verified token string's claims, and the time claims to check again on every use (seconds). */
type VerifiedToken = { claims: BearerClaims | undefined; exp?: number; nbf?: number };

/** Distinct verified token strings kept (a few hundred bytes each). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export function createAuthService({ db, config }: { db: Executor; config: Pick<Config, "authSecret"> }) {
  const signingKey = tokenSigningKey(config.authSecret);
  // Token string → what verifying it yielded (see lib/caches.ts). The signature of a given string
  // is checked once; its exp/nbf are checked on every use, as jsonwebtoken does; an entry that no
  // longer passes them is verified again in full, which answers the same error as without a cache.
  const verified = createBoundedCache<string, VerifiedToken>(VERIFIED_TOKEN_CACHE_SIZE);

  /** The identity-token claims of a verified JWT; undefined for any other token type. */
  function identityClaimsOf(token: string): BearerClaims | undefined {
    const hit = verified.get(token);
    if (hit) {
      const now = Math.floor(Date.now() / 1000);
      if ((hit.exp === undefined || now < hit.exp) && (hit.nbf === undefined || now >= hit.nbf)) return hit.claims;
      verified.delete(token);
    }
    const payload = verifyJwt(signingKey, token);
    const claims = claimsOf(payload);
    verified.set(token, {
      claims,
      ...(typeof payload.exp === "number" ? { exp: payload.exp } : {}),
      ...(typeof payload.nbf === "number" ? { nbf: payload.nbf } : {}),
    });
    return claims;
  }

  function claimsOf(payload: Record<string, unknown>): BearerClaims | undefined {
    if (payload.authTokenType !== IDENTITY_ACCESS_TOKEN_TYPE) return undefined;
    const tokenId = payload.identityAccessTokenId;
    const identityId = payload.identityId;
    // A correctly signed token with unusable ids can only name no row.
    if (!isUuid(tokenId) || !isUuid(identityId)) throw new UnauthorizedError(NO_TOKEN);
    return Object.freeze({ identityId, tokenId });
  }

  /**
   * The checks of a bearer header that need no database: API key, missing header, service
   * token, signature and claims. Throws their errors; returns the claims to look up.
   */
  function verifyBearer({ authorization, hasApiKey }: Omit<Credentials, "clientIp">): BearerClaims {
    if (hasApiKey) {
      throw new BadRequestError("API key authentication is not supported anymore. Please switch to identity authentication.");
    }
    if (!authorization) throw tokenMissingError();
    // Infisical cuts the first seven characters without reading them ("Bearer ").
    const token = authorization.slice(7);
    if (token.startsWith("st.")) {
      throw new NotFoundError(`Service token with ID '${token.split(".")[1] ?? ""}' not found`);
    }
    const claims = identityClaimsOf(token);
    if (!claims) throw tokenMissingError();
    return claims;
  }

  /**
   * The token-row checks (trusted IPs, organization membership, TTL and uses) on the row as
   * `tokenUseCtes` read it (undefined: no live row): the caller, or the error that refuses it —
   * giving back a use counted for a refused request, deleting an exhausted token.
   */
  async function admit(claims: BearerClaims, use: TokenUse | undefined, clientIp: string): Promise<Actor> {
    if (!use || use.token.identityId !== claims.identityId) throw new UnauthorizedError(NO_TOKEN);
    const refuse = async (error: Error): Promise<never> => {
      if (use.counted && use.token.numUsesLimit > 0) await tokens.uncountUse(db, use.token.id);
      throw error;
    };
    if (!isIpTrusted(clientIp, use.trustedIps ?? [])) {
      await refuse(new ForbiddenRequestError("You are not allowed to access this resource from the current IP address"));
    }
    if (!use.orgId || !use.orgMembershipActive) {
      await refuse(new BadRequestError("Identity does not belong to this organization"));
    }
    if (!use.counted) {
      await tokens.deleteToken(db, use.token.id);
      throw new UnauthorizedError(ttlExpired(use.token, use.now) ? TTL_EXPIRED : USES_EXHAUSTED);
    }
    return {
      type: "identity",
      identityId: use.token.identityId,
      name: use.identityName,
      orgId: use.orgId!,
      tokenId: use.token.id,
      authMethod: null,
    };
  }

  /** The bearer header, then the token row. One database statement in the steady state (two when a use must be given back). */
  async function authenticate(credentials: Credentials): Promise<Actor> {
    const claims = verifyBearer(credentials);
    return admit(claims, await tokens.useAccessToken(db, claims.tokenId), credentials.clientIp);
  }

  /**
   * Admits a pending caller (see PendingAuth) from the token row its route read, exactly once:
   * the answer for this request, whether it admits or refuses.
   */
  function admitPending(pending: PendingAuth, use: TokenUse | undefined): Promise<Actor> {
    if (!pending.outcome) pending.outcome = admit(pending.claims, use, pending.clientIp);
    return pending.outcome;
  }

  /** Admits a pending caller whose route did not get to read its token row (an earlier error): reads it now. */
  function settlePending(pending: PendingAuth): Promise<Actor> {
    if (!pending.outcome) {
      pending.outcome = tokens.useAccessToken(db, pending.claims.tokenId).then((use) => admit(pending.claims, use, pending.clientIp));
    }
    return pending.outcome;
  }

  /** Renew: a new JWT for the same row, valid for the row's TTL from now. */
  async function renew(accessToken: string): Promise<TokenGrant> {
    const claims = identityClaimsOf(accessToken);
    if (!claims) throw new BadRequestError("Only identity access tokens can be renewed");
    const token = await tokens.findLiveToken(db, claims.tokenId);
    if (!token || token.identityId !== claims.identityId) throw new UnauthorizedError(NO_TOKEN);
    const now = new Date();
    if (token.numUsesLimit > 0 && token.numUses >= token.numUsesLimit) {
      await tokens.deleteToken(db, token.id);
      throw new UnauthorizedError(USES_EXHAUSTED);
    }
    if (ttlExpired(token, now)) {
      await tokens.deleteToken(db, token.id);
      throw new UnauthorizedError(TTL_EXPIRED);
    }
    if (token.maxTtl > 0 && token.period <= 0) {
      const maxEnd = token.createdAt.getTime() + token.maxTtl * 1000;
      if (now.getTime() > maxEnd) {
        await tokens.deleteToken(db, token.id);
        throw new UnauthorizedError("Failed to renew MI access token due to Max TTL expiration");
      }
      if (now.getTime() + token.ttl * 1000 > maxEnd) {
        await tokens.deleteToken(db, token.id);
        throw new UnauthorizedError("Failed to renew MI access token past its Max TTL expiration");
      }
    }
    if (!(await tokens.markRenewed(db, token.id))) throw new UnauthorizedError(NO_TOKEN);
    return {
      accessToken: signAccessToken(
        signingKey,
        { identityId: token.identityId, identityAccessTokenId: token.id, clientSecretId: token.clientSecretId ?? undefined },
        token.ttl,
      ),
      expiresIn: token.ttl,
      accessTokenMaxTTL: token.maxTtl,
      tokenType: "Bearer",
    };
  }

  /** Revoke: the token row is marked revoked; the JWT stops working on the next request. */
  async function revoke(accessToken: string): Promise<{ message: string }> {
    const claims = identityClaimsOf(accessToken);
    if (!claims) throw new UnauthorizedError("Only identity access tokens can be revoked");
    if (!(await tokens.revokeToken(db, claims.tokenId))) throw new UnauthorizedError(NO_TOKEN);
    return { message: "Successfully revoked access token" };
  }

  /** Revokes every live access token of the identity, inside the caller's transaction; returns how many. */
  function revokeIdentityTokens(executor: Executor, identityId: string): Promise<number> {
    return tokens.revokeTokens(executor, identityId);
  }

  return { authenticate, verifyBearer, admitPending, settlePending, renew, revoke, revokeIdentityTokens };
}

export type AuthService = ReturnType<typeof createAuthService>;
