import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

export async function up(db: Kysely<any>): Promise<void> {
  // One data key per project, stored only wrapped (AES-256-GCM) under the root key.
  // root_key_id names the root key that wrapped it, so rotation can tell old from new.
  await db.schema
    .createTable("project_data_keys")
    .addColumn("project_id", "uuid", (c) => c.primaryKey().references("projects.id").onDelete("cascade"))
    .addColumn("wrapped_key", "bytea", (c) => c.notNull())
    .addColumn("root_key_id", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await addUpdatedAtTrigger(db, "project_data_keys");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("project_data_keys").execute();
}
