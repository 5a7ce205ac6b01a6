import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

// Additional privileges of an identity in one project (auth-and-permissions.md §C.8): extra v2 rule
// sets, optionally temporary, hanging off the project membership (they count only while it exists).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("identity_project_additional_privileges")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("membership_id", "uuid", (c) => c.notNull().references("identity_project_memberships.id").onDelete("cascade"))
    .addColumn("slug", "varchar(64)", (c) => c.notNull())
    .addColumn("permissions", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("is_temporary", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("temporary_mode", "varchar(32)")
    .addColumn("temporary_range", "varchar(64)")
    .addColumn("temporary_access_start_time", "timestamptz")
    .addColumn("temporary_access_end_time", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("identity_project_additional_privileges_membership_slug_unique", ["membership_id", "slug"])
    .addCheckConstraint(
      "identity_project_additional_privileges_temporary_complete",
      sql`NOT is_temporary OR (temporary_access_start_time IS NOT NULL AND temporary_access_end_time IS NOT NULL)`,
    )
    .execute();
  await addUpdatedAtTrigger(db, "identity_project_additional_privileges");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("identity_project_additional_privileges").execute();
}
