import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

// Leases of dynamic secrets (leases.md §2) plus what D25–D27 need: a `creating` status for rows
// committed before the provider call, and the revocation retry state (attempts, next attempt).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("dynamic_secret_leases")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("external_entity_id", "varchar(255)", (c) => c.notNull())
    .addColumn("expire_at", "timestamptz", (c) => c.notNull())
    // null = active; 'creating' (D25); 'Failed to delete' (D27).
    .addColumn("status", "varchar(255)")
    .addColumn("status_details", "varchar(255)")
    .addColumn("dynamic_secret_id", "uuid", (c) => c.notNull().references("dynamic_secrets.id").onDelete("cascade"))
    .addColumn("config", "jsonb")
    .addColumn("revoke_attempts", "integer", (c) => c.notNull().defaultTo(0))
    // D27: a failed revocation is not tried again before this time.
    .addColumn("next_attempt_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await addUpdatedAtTrigger(db, "dynamic_secret_leases");
  await db.schema.createIndex("dynamic_secret_leases_expire_at_index").on("dynamic_secret_leases").column("expire_at").execute();
  await db.schema
    .createIndex("dynamic_secret_leases_dynamic_secret_id_index")
    .on("dynamic_secret_leases")
    .column("dynamic_secret_id")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dynamic_secret_leases").execute();
}
