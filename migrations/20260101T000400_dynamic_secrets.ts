import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("dynamic_secrets")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("folder_id", "uuid", (c) => c.notNull().references("secret_folders.id").onDelete("cascade"))
    .addColumn("name", "varchar(64)", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1).check(sql`version >= 1`))
    .addColumn("type", "varchar(64)", (c) => c.notNull())
    .addColumn("default_ttl", "varchar(255)", (c) => c.notNull())
    .addColumn("max_ttl", "varchar(255)")
    // Provider inputs: AES-256-GCM ciphertext under the project's data key (versioned blob).
    .addColumn("encrypted_input", "bytea", (c) => c.notNull())
    .addColumn("status", "varchar(255)")
    .addColumn("status_details", "text")
    .addColumn("username_template", "varchar(255)")
    // Gateways are not supported (D20); the columns exist so the contract's fields have a home.
    .addColumn("gateway_id", "uuid")
    .addColumn("gateway_v2_id", "uuid")
    .addColumn("gateway_pool_id", "uuid")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // The rename-conflict rule (D4) is this constraint; code maps its violation, never pre-checks.
    .addUniqueConstraint("dynamic_secrets_folder_id_name_unique", ["folder_id", "name"])
    .execute();
  await addUpdatedAtTrigger(db, "dynamic_secrets");

  // Key/value metadata of identities and dynamic secrets (Infisical's resource_metadata).
  // Duplicate keys are allowed, as upstream.
  await db.schema
    .createTable("resource_metadata")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("key", "varchar(255)", (c) => c.notNull())
    .addColumn("value", "varchar(1020)", (c) => c.notNull().defaultTo(""))
    .addColumn("org_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("identity_id", "uuid", (c) => c.references("identities.id").onDelete("cascade"))
    .addColumn("dynamic_secret_id", "uuid", (c) => c.references("dynamic_secrets.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "resource_metadata_one_owner",
      sql`(identity_id IS NULL) <> (dynamic_secret_id IS NULL)`,
    )
    .execute();
  await db.schema.createIndex("resource_metadata_dynamic_secret_idx").on("resource_metadata").column("dynamic_secret_id").execute();
  await db.schema.createIndex("resource_metadata_identity_idx").on("resource_metadata").column("identity_id").execute();
  await addUpdatedAtTrigger(db, "resource_metadata");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("resource_metadata").execute();
  await db.schema.dropTable("dynamic_secrets").execute();
}
