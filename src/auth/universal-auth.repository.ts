import { sql, type Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { TrustedIp } from "../db/tables/common.js";
import type { IdentityUaClientSecretsTable, IdentityUniversalAuthsTable } from "../db/tables/identity.table.js";
import { isForeignKeyViolation, isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// Universal Auth configurations, their client secrets (stored only as slow hashes) and the login
// lockout state kept on the configuration row.

export type UniversalAuth = {
  id: string;
  identityId: string;
  clientId: string;
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
  accessTokenNumUsesLimit: number;
  accessTokenPeriod: number;
  clientSecretTrustedIps: TrustedIp[];
  accessTokenTrustedIps: TrustedIp[];
  lockoutEnabled: boolean;
  lockoutThreshold: number;
  lockoutDurationSeconds: number;
  lockoutCounterResetSeconds: number;
  createdAt: Date;
  updatedAt: Date;
};

export type UniversalAuthConfig = Omit<UniversalAuth, "id" | "identityId" | "clientId" | "createdAt" | "updatedAt">;

export type ClientSecret = {
  id: string;
  identityUAId: string;
  description: string;
  clientSecretPrefix: string;
  clientSecretNumUses: number;
  clientSecretNumUsesLimit: number;
  clientSecretTTL: number;
  isClientSecretRevoked: boolean;
  createdAt: Date;
  updatedAt: Date;
};

const parseJson = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

const toUniversalAuth = (row: Selectable<IdentityUniversalAuthsTable>): UniversalAuth => ({
  id: row.id,
  identityId: row.identity_id,
  clientId: row.client_id,
  accessTokenTTL: row.access_token_ttl,
  accessTokenMaxTTL: row.access_token_max_ttl,
  accessTokenNumUsesLimit: row.access_token_num_uses_limit,
  accessTokenPeriod: row.access_token_period,
  clientSecretTrustedIps: parseJson<TrustedIp[]>(row.client_secret_trusted_ips),
  accessTokenTrustedIps: parseJson<TrustedIp[]>(row.access_token_trusted_ips),
  lockoutEnabled: row.lockout_enabled,
  lockoutThreshold: row.lockout_threshold,
  lockoutDurationSeconds: row.lockout_duration_seconds,
  lockoutCounterResetSeconds: row.lockout_counter_reset_seconds,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toClientSecret = (row: Selectable<IdentityUaClientSecretsTable>): ClientSecret => ({
  id: row.id,
  identityUAId: row.identity_ua_id,
  description: row.description,
  clientSecretPrefix: row.client_secret_prefix,
  clientSecretNumUses: row.client_secret_num_uses,
  clientSecretNumUsesLimit: row.client_secret_num_uses_limit,
  clientSecretTTL: row.client_secret_ttl,
  isClientSecretRevoked: row.is_client_secret_revoked,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export type LoginTarget = { ua: UniversalAuth; orgId: string | null; locked: boolean };

export type SecretCandidate = { id: string; hash: string; expired: boolean; usesExhausted: boolean };

export async function insertUniversalAuth(db: Executor, identityId: string, clientId: string, config: UniversalAuthConfig): Promise<UniversalAuth> {
  try {
    const row = await db
      .insertInto("identity_universal_auths")
      .values({
        identity_id: identityId,
        client_id: clientId,
        access_token_ttl: config.accessTokenTTL,
        access_token_max_ttl: config.accessTokenMaxTTL,
        access_token_num_uses_limit: config.accessTokenNumUsesLimit,
        access_token_period: config.accessTokenPeriod,
        client_secret_trusted_ips: JSON.stringify(config.clientSecretTrustedIps),
        access_token_trusted_ips: JSON.stringify(config.accessTokenTrustedIps),
        lockout_enabled: config.lockoutEnabled,
        lockout_threshold: config.lockoutThreshold,
        lockout_duration_seconds: config.lockoutDurationSeconds,
        lockout_counter_reset_seconds: config.lockoutCounterResetSeconds,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUniversalAuth(row);
  } catch (err) {
    if (isUniqueViolation(err, "identity_universal_auths_identity_id_key")) {
      throw new BadRequestError("Failed to add universal auth to already configured identity");
    }
    throw err;
  }
}

/** Undefined when the configuration was removed meanwhile. */
export async function updateUniversalAuth(db: Executor, uaId: string, patch: Partial<UniversalAuthConfig>): Promise<UniversalAuth | undefined> {
  const row = await db
    .updateTable("identity_universal_auths")
    .set({
      access_token_ttl: patch.accessTokenTTL,
      access_token_max_ttl: patch.accessTokenMaxTTL,
      access_token_num_uses_limit: patch.accessTokenNumUsesLimit,
      access_token_period: patch.accessTokenPeriod,
      client_secret_trusted_ips: patch.clientSecretTrustedIps && JSON.stringify(patch.clientSecretTrustedIps),
      access_token_trusted_ips: patch.accessTokenTrustedIps && JSON.stringify(patch.accessTokenTrustedIps),
      lockout_enabled: patch.lockoutEnabled,
      lockout_threshold: patch.lockoutThreshold,
      lockout_duration_seconds: patch.lockoutDurationSeconds,
      lockout_counter_reset_seconds: patch.lockoutCounterResetSeconds,
    })
    .where("id", "=", uaId)
    .returningAll()
    .executeTakeFirst();
  return row ? toUniversalAuth(row) : undefined;
}

/** Removes the configuration (its client secrets cascade) and every token it issued. */
export async function deleteUniversalAuth(db: Executor, ua: UniversalAuth): Promise<void> {
  await db
    .deleteFrom("identity_access_tokens")
    .where("identity_id", "=", ua.identityId)
    .where("auth_method", "=", "universal-auth")
    .execute();
  await db.deleteFrom("identity_universal_auths").where("id", "=", ua.id).execute();
}

/** The row, locked until the transaction ends; undefined when it no longer exists. */
export async function lockById(db: Executor, uaId: string): Promise<UniversalAuth | undefined> {
  const row = await db.selectFrom("identity_universal_auths").selectAll().where("id", "=", uaId).forUpdate().executeTakeFirst();
  return row ? toUniversalAuth(row) : undefined;
}

export async function findByIdentity(db: Executor, identityId: string): Promise<UniversalAuth | undefined> {
  const row = await db.selectFrom("identity_universal_auths").selectAll().where("identity_id", "=", identityId).executeTakeFirst();
  return row ? toUniversalAuth(row) : undefined;
}

/** The configuration for a login, whether it is locked now (database clock), and the identity's org. */
export async function findLoginTarget(db: Executor, clientId: string): Promise<LoginTarget | undefined> {
  const row = await db
    .selectFrom("identity_universal_auths as ua")
    .leftJoin("org_memberships as om", "om.identity_id", "ua.identity_id")
    .selectAll("ua")
    .select([
      "om.org_id as org_id",
      sql<boolean>`(ua.locked_until IS NOT NULL AND ua.locked_until > now())`.as("locked"),
    ])
    .where("ua.client_id", "=", clientId)
    .executeTakeFirst();
  return row ? { ua: toUniversalAuth(row), orgId: row.org_id, locked: row.locked } : undefined;
}

export async function listCandidates(db: Executor, uaId: string, prefix: string): Promise<SecretCandidate[]> {
  const rows = await db
    .selectFrom("identity_ua_client_secrets")
    .select([
      "id",
      "client_secret_hash as hash",
      sql<boolean>`(client_secret_ttl > 0 AND now() > created_at + make_interval(secs => client_secret_ttl))`.as("expired"),
      sql<boolean>`(client_secret_num_uses_limit > 0 AND client_secret_num_uses >= client_secret_num_uses_limit)`.as("usesExhausted"),
    ])
    .where("identity_ua_id", "=", uaId)
    .where("client_secret_prefix", "=", prefix)
    .where("is_client_secret_revoked", "=", false)
    .execute();
  return rows;
}

/**
 * Counts a failed login in the current window (restarting it once the reset period has passed);
 * reaching the threshold locks the method for the lockout duration and starts counting afresh.
 */
export async function recordFailedLogin(db: Executor, uaId: string): Promise<void> {
  await sql`
        WITH next AS (
          SELECT id,
                 CASE WHEN lockout_window_started_at IS NULL
                        OR now() > lockout_window_started_at + make_interval(secs => lockout_counter_reset_seconds)
                      THEN 1 ELSE lockout_failed_attempts + 1 END AS attempts
          FROM identity_universal_auths WHERE id = ${uaId} FOR UPDATE
        )
        UPDATE identity_universal_auths u SET
          lockout_failed_attempts = CASE WHEN next.attempts >= u.lockout_threshold THEN 0 ELSE next.attempts END,
          lockout_window_started_at = CASE WHEN next.attempts >= u.lockout_threshold THEN NULL
                                           WHEN next.attempts = 1 THEN now() ELSE u.lockout_window_started_at END,
          locked_until = CASE WHEN next.attempts >= u.lockout_threshold
                              THEN now() + make_interval(secs => u.lockout_duration_seconds) ELSE u.locked_until END
        FROM next WHERE u.id = next.id`.execute(db);
}

export async function clearLockout(db: Executor, uaId: string): Promise<void> {
  await db
    .updateTable("identity_universal_auths")
    .set({ lockout_failed_attempts: 0, lockout_window_started_at: null, locked_until: null })
    .where("id", "=", uaId)
    .where((eb) => eb.or([eb("lockout_failed_attempts", ">", 0), eb("locked_until", "is not", null)]))
    .execute();
}

export async function insertClientSecret(db: Executor, input: {
  uaId: string;
  description: string;
  prefix: string;
  hash: string;
  numUsesLimit: number;
  ttl: number;
}): Promise<ClientSecret | undefined> {
  const row = await db
    .insertInto("identity_ua_client_secrets")
    .values({
      identity_ua_id: input.uaId,
      description: input.description,
      client_secret_prefix: input.prefix,
      client_secret_hash: input.hash,
      client_secret_num_uses_limit: input.numUsesLimit,
      client_secret_ttl: input.ttl,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    // The configuration was removed meanwhile (its id no longer exists).
    .catch((err: unknown) => {
      if (isForeignKeyViolation(err, "identity_ua_client_secrets_identity_ua_id_fkey")) return undefined;
      throw err;
    });
  return row && toClientSecret(row);
}

/** Counts one use unless the limit is reached (checked on the locked row: no over-use under races). */
export async function consumeClientSecret(db: Executor, secretId: string): Promise<boolean> {
  const result = await db
    .updateTable("identity_ua_client_secrets")
    .set((eb) => ({ client_secret_num_uses: eb("client_secret_num_uses", "+", 1), client_secret_last_used_at: sql<Date>`now()` }))
    .where("id", "=", secretId)
    .where("is_client_secret_revoked", "=", false)
    .where((eb) =>
      eb.or([eb("client_secret_num_uses_limit", "=", 0), eb("client_secret_num_uses", "<", eb.ref("client_secret_num_uses_limit"))]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The configuration's live client secrets, oldest first (never their hashes). */
export async function listClientSecrets(db: Executor, uaId: string): Promise<ClientSecret[]> {
  const rows = await db
    .selectFrom("identity_ua_client_secrets")
    .selectAll()
    .where("identity_ua_id", "=", uaId)
    .where("is_client_secret_revoked", "=", false)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toClientSecret);
}

export async function findClientSecret(db: Executor, uaId: string, secretId: string): Promise<ClientSecret | undefined> {
  const row = await db
    .selectFrom("identity_ua_client_secrets")
    .selectAll()
    .where("id", "=", secretId)
    .where("identity_ua_id", "=", uaId)
    .executeTakeFirst();
  return row ? toClientSecret(row) : undefined;
}

export async function revokeClientSecret(db: Executor, uaId: string, secretId: string): Promise<ClientSecret | undefined> {
  const row = await db
    .updateTable("identity_ua_client_secrets")
    .set({ is_client_secret_revoked: true })
    .where("id", "=", secretId)
    .where("identity_ua_id", "=", uaId)
    .returningAll()
    .executeTakeFirst();
  return row ? toClientSecret(row) : undefined;
}
