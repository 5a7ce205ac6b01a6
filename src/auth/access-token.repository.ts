import { sql, type RawBuilder, type Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { TrustedIp } from "../db/tables/common.js";
import type { IdentityAccessTokensTable } from "../db/tables/identity.table.js";
import { ALLOW_ALL_IPS } from "./trusted-ips.js";

// Access-token rows, the token-auth method and the login time of an identity. Access tokens are
// JWTs that are never stored: a row holds only the token's limits and state (D22).

/** `access_token_last_used_at` of a token without a uses limit is written at most this often. */
export const LAST_USED_INTERVAL_SECONDS = 60;

export type AccessTokenAuthMethod = "universal-auth" | "token-auth";

export type AccessToken = {
  id: string;
  identityId: string;
  clientSecretId: string | null;
  authMethod: string;
  ttl: number;
  maxTtl: number;
  numUses: number;
  numUsesLimit: number;
  period: number;
  lastRenewedAt: Date | null;
  createdAt: Date;
};

/** The token row as seen by one authenticated request, after its use was (maybe) counted. */
export type TokenUse = {
  token: AccessToken;
  identityName: string;
  orgId: string | null;
  orgMembershipActive: boolean;
  trustedIps: TrustedIp[] | null;
  /**
   * False when the uses limit or the TTL is exhausted. With a uses limit, true means this use was
   * counted (and must be given back if the request is then refused).
   */
  counted: boolean;
  /** The database's clock, which the TTL checks use. */
  now: Date;
};

type TokenRow = Pick<
  Selectable<IdentityAccessTokensTable>,
  | "id"
  | "identity_id"
  | "identity_ua_client_secret_id"
  | "auth_method"
  | "access_token_ttl"
  | "access_token_max_ttl"
  | "access_token_num_uses"
  | "access_token_num_uses_limit"
  | "access_token_period"
  | "access_token_last_renewed_at"
  | "created_at"
>;

const toToken = (row: TokenRow): AccessToken => ({
  id: row.id,
  identityId: row.identity_id,
  clientSecretId: row.identity_ua_client_secret_id,
  authMethod: row.auth_method,
  ttl: Number(row.access_token_ttl),
  maxTtl: Number(row.access_token_max_ttl),
  numUses: Number(row.access_token_num_uses),
  numUsesLimit: Number(row.access_token_num_uses_limit),
  period: Number(row.access_token_period),
  lastRenewedAt: row.access_token_last_renewed_at,
  createdAt: row.created_at,
});

export type NewAccessToken = {
  identityId: string;
  clientSecretId: string | null;
  name: string | null;
  authMethod: AccessTokenAuthMethod;
  ttl: number;
  maxTtl: number;
  numUsesLimit: number;
  period: number;
};

/**
 * The authentication hot path as SQL, for one statement: CTE `cur` is the live token row joined to
 * its identity, org membership and auth-method IP allow-list; CTE `used` counts the use of a token
 * with a uses limit when the limit and TTL allow (the UPDATE re-checks both on the locked row, so N
 * concurrent requests on a limit of N all count exactly once). A token without one is not written
 * at all, except `access_token_last_used_at` once per LAST_USED_INTERVAL_SECONDS. A data-modifying
 * CTE runs whether or not the rest of the statement reads it, so a request's first read can carry
 * it (see TOKEN_USE_COLUMNS).
 */
export function tokenUseCtes(tokenId: string): RawBuilder<unknown> {
  return sql`cur AS (
          SELECT t.id, t.identity_id, t.identity_ua_client_secret_id, t.auth_method, t.access_token_ttl,
                 t.access_token_max_ttl, t.access_token_num_uses, t.access_token_num_uses_limit,
                 t.access_token_period, t.access_token_last_renewed_at, t.created_at,
                 i.name AS identity_name, om.org_id, om.is_active AS org_membership_active,
                 CASE t.auth_method
                   WHEN 'universal-auth' THEN ua.access_token_trusted_ips
                   WHEN 'token-auth' THEN ta.access_token_trusted_ips
                 END AS trusted_ips,
                 (t.access_token_ttl = 0
                  OR now() <= COALESCE(t.access_token_last_renewed_at, t.created_at) + make_interval(secs => t.access_token_ttl)) AS ttl_ok
          FROM identity_access_tokens t
          JOIN identities i ON i.id = t.identity_id
          LEFT JOIN org_memberships om ON om.identity_id = t.identity_id
          LEFT JOIN identity_universal_auths ua ON ua.identity_id = t.identity_id
          LEFT JOIN identity_token_auths ta ON ta.identity_id = t.identity_id
          WHERE t.id = ${tokenId} AND t.is_access_token_revoked = false
          LIMIT 1
        ), used AS (
          UPDATE identity_access_tokens t
          SET access_token_num_uses = t.access_token_num_uses + CASE WHEN t.access_token_num_uses_limit > 0 THEN 1 ELSE 0 END,
              access_token_last_used_at = now()
          FROM cur
          WHERE t.id = cur.id AND t.is_access_token_revoked = false
            AND (t.access_token_num_uses_limit = 0 OR t.access_token_num_uses < t.access_token_num_uses_limit)
            AND (t.access_token_ttl = 0
                 OR now() <= COALESCE(t.access_token_last_renewed_at, t.created_at) + make_interval(secs => t.access_token_ttl))
            AND (t.access_token_num_uses_limit > 0
                 OR t.access_token_last_used_at IS NULL
                 OR t.access_token_last_used_at < now() - make_interval(secs => ${LAST_USED_INTERVAL_SECONDS}))
          RETURNING t.id
        )`;
}

/** What a statement with `tokenUseCtes` selects about the token (all NULL when no live row): read with `tokenUseOf`. */
export const TOKEN_USE_COLUMNS = sql`cur.*, now() AS now,
               CASE WHEN cur.access_token_num_uses_limit > 0 THEN EXISTS (SELECT 1 FROM used) ELSE cur.ttl_ok END AS counted`;

export type TokenUseRow = TokenRow & {
  identity_name: string;
  org_id: string | null;
  org_membership_active: boolean | null;
  trusted_ips: TrustedIp[] | string | null;
  counted: boolean;
  now: Date;
};

/** The token use of a row selected with TOKEN_USE_COLUMNS; undefined when no live token row matched. */
export function tokenUseOf(row: TokenUseRow): TokenUse | undefined {
  if (!row.id) return undefined;
  return {
    token: toToken(row),
    identityName: row.identity_name,
    orgId: row.org_id,
    orgMembershipActive: row.org_membership_active === true,
    trustedIps: typeof row.trusted_ips === "string" ? (JSON.parse(row.trusted_ips) as TrustedIp[]) : row.trusted_ips,
    counted: row.counted,
    now: new Date(row.now),
  };
}

/** The same, from the JSON object of such a row (`row_to_json`), whose timestamps are strings. */
export function tokenUseOfJson(value: unknown): TokenUse | undefined {
  if (value === null || value === undefined) return undefined;
  const row = (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return tokenUseOf({
    ...(row as TokenUseRow),
    created_at: date(row.created_at)!,
    access_token_last_renewed_at: date(row.access_token_last_renewed_at),
    now: date(row.now)!,
  });
}

/** The authentication hot path in one round trip (see tokenUseCtes). */
export async function useAccessToken(db: Executor, tokenId: string): Promise<TokenUse | undefined> {
  const { rows } = await sql<TokenUseRow>`/*prepared:use_access_token*/
        WITH ${tokenUseCtes(tokenId)}
        SELECT ${TOKEN_USE_COLUMNS} FROM cur`.execute(db);
  return rows[0] ? tokenUseOf(rows[0]) : undefined;
}

/** Gives back a use counted for a request that was then refused (IP, membership). */
export async function uncountUse(db: Executor, tokenId: string): Promise<void> {
  await db
    .updateTable("identity_access_tokens")
    .set((eb) => ({ access_token_num_uses: sql`GREATEST(${eb.ref("access_token_num_uses")} - 1, 0)` }))
    .where("id", "=", tokenId)
    .execute();
}

export async function findLiveToken(db: Executor, tokenId: string): Promise<AccessToken | undefined> {
  const row = await db
    .selectFrom("identity_access_tokens")
    .selectAll()
    .where("id", "=", tokenId)
    .where("is_access_token_revoked", "=", false)
    .executeTakeFirst();
  return row ? toToken(row as TokenRow) : undefined;
}

export async function insertAccessToken(db: Executor, token: NewAccessToken): Promise<AccessToken> {
  const row = await db
    .insertInto("identity_access_tokens")
    .values({
      identity_id: token.identityId,
      identity_ua_client_secret_id: token.clientSecretId,
      name: token.name,
      auth_method: token.authMethod,
      access_token_ttl: token.ttl,
      access_token_max_ttl: token.maxTtl,
      access_token_num_uses_limit: token.numUsesLimit,
      access_token_period: token.period,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toToken(row as TokenRow);
}

export async function deleteToken(db: Executor, tokenId: string): Promise<void> {
  await db.deleteFrom("identity_access_tokens").where("id", "=", tokenId).execute();
}

export async function markRenewed(db: Executor, tokenId: string): Promise<Date | undefined> {
  const row = await db
    .updateTable("identity_access_tokens")
    .set({ access_token_last_renewed_at: sql<Date>`now()` })
    .where("id", "=", tokenId)
    .where("is_access_token_revoked", "=", false)
    .returning("access_token_last_renewed_at")
    .executeTakeFirst();
  return row?.access_token_last_renewed_at ?? undefined;
}

/** True when a live row was revoked. */
export async function revokeToken(db: Executor, tokenId: string): Promise<boolean> {
  const result = await db
    .updateTable("identity_access_tokens")
    .set({ is_access_token_revoked: true })
    .where("id", "=", tokenId)
    .where("is_access_token_revoked", "=", false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Revokes the identity's live access tokens, or only those issued with one client secret.
 * Returns how many were revoked.
 */
export async function revokeTokens(db: Executor, identityId: string, clientSecretId?: string): Promise<number> {
  let query = db
    .updateTable("identity_access_tokens")
    .set({ is_access_token_revoked: true })
    .where("identity_id", "=", identityId)
    .where("is_access_token_revoked", "=", false);
  if (clientSecretId) query = query.where("identity_ua_client_secret_id", "=", clientSecretId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertTokenAuth(db: Executor, identityId: string, config: { ttl: number; maxTtl: number; numUsesLimit: number }): Promise<void> {
  await db
    .insertInto("identity_token_auths")
    .values({
      identity_id: identityId,
      access_token_ttl: config.ttl,
      access_token_max_ttl: config.maxTtl,
      access_token_num_uses_limit: config.numUsesLimit,
      access_token_trusted_ips: JSON.stringify(ALLOW_ALL_IPS),
    })
    .execute();
}

export async function touchOrgLogin(db: Executor, identityId: string): Promise<void> {
  await db
    .updateTable("org_memberships")
    .set({ last_login_at: sql<Date>`now()` })
    .where("identity_id", "=", identityId)
    .execute();
}
