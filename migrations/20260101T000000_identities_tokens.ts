import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

// Frozen: never edit a migration that has shipped; add a new one instead.
export async function up(db: Kysely<any>): Promise<void> {
  // One trigger function keeps updated_at honest for every table that has it.
  await sql`
    CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
    BEGIN
      NEW.updated_at = now();
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`.execute(db);

  await db.schema
    .createTable("organizations")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("slug", "varchar(255)", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Singleton row (id = 1): whether POST /api/v1/admin/bootstrap has run.
  await db.schema
    .createTable("instance_settings")
    .addColumn("id", "integer", (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn("initialized", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("instance_admin_identity_id", "uuid")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Only the bootstrap admin user exists; there is no user login (D21).
  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("email", "varchar(255)", (c) => c.notNull().unique())
    .addColumn("username", "varchar(255)", (c) => c.notNull().unique())
    .addColumn("first_name", "varchar(255)")
    .addColumn("last_name", "varchar(255)")
    .addColumn("super_admin", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("identities")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("has_delete_protection", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`ALTER TABLE instance_settings ADD CONSTRAINT instance_settings_admin_identity_fk
    FOREIGN KEY (instance_admin_identity_id) REFERENCES identities(id) ON DELETE SET NULL`.execute(db);

  // Exactly one of user_id / identity_id; one membership per member per organization.
  await db.schema
    .createTable("org_memberships")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("org_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("identity_id", "uuid", (c) => c.references("identities.id").onDelete("cascade"))
    .addColumn("role", "varchar(64)", (c) => c.notNull())
    .addColumn("is_active", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("last_login_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("org_memberships_one_member", sql`(user_id IS NULL) <> (identity_id IS NULL)`)
    .addUniqueConstraint("org_memberships_org_user_unique", ["org_id", "user_id"])
    .addUniqueConstraint("org_memberships_org_identity_unique", ["org_id", "identity_id"])
    .execute();
  await db.schema.createIndex("org_memberships_identity_idx").on("org_memberships").column("identity_id").execute();

  const ipList = sql`'[{"ipAddress":"0.0.0.0","type":"ipv4","prefix":0},{"ipAddress":"::","type":"ipv6","prefix":0}]'::jsonb`;

  await db.schema
    .createTable("identity_universal_auths")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("identity_id", "uuid", (c) => c.notNull().unique().references("identities.id").onDelete("cascade"))
    .addColumn("client_id", "varchar(255)", (c) => c.notNull().unique())
    .addColumn("access_token_ttl", "integer", (c) => c.notNull().defaultTo(2592000))
    .addColumn("access_token_max_ttl", "integer", (c) => c.notNull().defaultTo(2592000))
    .addColumn("access_token_num_uses_limit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("access_token_period", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("client_secret_trusted_ips", "jsonb", (c) => c.notNull().defaultTo(ipList))
    .addColumn("access_token_trusted_ips", "jsonb", (c) => c.notNull().defaultTo(ipList))
    .addColumn("lockout_enabled", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("lockout_threshold", "integer", (c) => c.notNull().defaultTo(3))
    .addColumn("lockout_duration_seconds", "integer", (c) => c.notNull().defaultTo(300))
    .addColumn("lockout_counter_reset_seconds", "integer", (c) => c.notNull().defaultTo(30))
    // Lockout state lives beside its settings: failed attempts in the current window, and the lock.
    .addColumn("lockout_failed_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lockout_window_started_at", "timestamptz")
    .addColumn("locked_until", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("identity_ua_client_secrets")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("identity_ua_id", "uuid", (c) => c.notNull().references("identity_universal_auths.id").onDelete("cascade"))
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("client_secret_prefix", "varchar(8)", (c) => c.notNull())
    .addColumn("client_secret_hash", "text", (c) => c.notNull())
    .addColumn("client_secret_last_used_at", "timestamptz")
    .addColumn("client_secret_num_uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("client_secret_num_uses_limit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("client_secret_ttl", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("is_client_secret_revoked", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("identity_ua_client_secrets_lookup_idx")
    .on("identity_ua_client_secrets")
    .columns(["identity_ua_id", "client_secret_prefix"])
    .execute();

  // Token Auth: the method the bootstrap token is issued under.
  await db.schema
    .createTable("identity_token_auths")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("identity_id", "uuid", (c) => c.notNull().unique().references("identities.id").onDelete("cascade"))
    .addColumn("access_token_ttl", "integer", (c) => c.notNull().defaultTo(2592000))
    .addColumn("access_token_max_ttl", "integer", (c) => c.notNull().defaultTo(2592000))
    .addColumn("access_token_num_uses_limit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("access_token_trusted_ips", "jsonb", (c) => c.notNull().defaultTo(ipList))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("identity_access_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("identity_id", "uuid", (c) => c.notNull().references("identities.id").onDelete("cascade"))
    .addColumn("identity_ua_client_secret_id", "uuid", (c) =>
      c.references("identity_ua_client_secrets.id").onDelete("set null"),
    )
    .addColumn("name", "varchar(255)")
    .addColumn("auth_method", "varchar(64)", (c) => c.notNull())
    .addColumn("access_token_ttl", "integer", (c) => c.notNull().defaultTo(2592000))
    .addColumn("access_token_max_ttl", "integer", (c) => c.notNull().defaultTo(2592000))
    .addColumn("access_token_num_uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("access_token_num_uses_limit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("access_token_period", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("access_token_last_used_at", "timestamptz")
    .addColumn("access_token_last_renewed_at", "timestamptz")
    .addColumn("is_access_token_revoked", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("identity_access_tokens_identity_idx").on("identity_access_tokens").column("identity_id").execute();

  for (const table of [
    "organizations",
    "instance_settings",
    "users",
    "identities",
    "org_memberships",
    "identity_universal_auths",
    "identity_ua_client_secrets",
    "identity_token_auths",
    "identity_access_tokens",
  ]) {
    await addUpdatedAtTrigger(db, table);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "identity_access_tokens",
    "identity_token_auths",
    "identity_ua_client_secrets",
    "identity_universal_auths",
    "org_memberships",
    "instance_settings",
    "identities",
    "users",
    "organizations",
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`DROP FUNCTION set_updated_at()`.execute(db);
}
