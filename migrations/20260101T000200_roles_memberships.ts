import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

export async function up(db: Kysely<any>): Promise<void> {
  // Custom project roles; permissions kept in the v2 rule format (JSON array).
  await db.schema
    .createTable("project_roles")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("project_id", "uuid", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("slug", "varchar(64)", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("permissions", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("project_roles_project_id_slug_unique", ["project_id", "slug"])
    .execute();

  await db.schema
    .createTable("identity_project_memberships")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("project_id", "uuid", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("identity_id", "uuid", (c) => c.notNull().references("identities.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("identity_project_memberships_project_identity_unique", ["project_id", "identity_id"])
    .execute();
  await db.schema
    .createIndex("identity_project_memberships_identity_idx")
    .on("identity_project_memberships")
    .column("identity_id")
    .execute();

  // One row per role of a membership. `role` is a built-in slug, or "custom" with custom_role_id set.
  // `position` keeps the order the roles were given in, which decides rule precedence.
  await db.schema
    .createTable("identity_project_membership_roles")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("membership_id", "uuid", (c) =>
      c.notNull().references("identity_project_memberships.id").onDelete("cascade"),
    )
    .addColumn("role", "varchar(64)", (c) => c.notNull())
    .addColumn("custom_role_id", "uuid", (c) => c.references("project_roles.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("is_temporary", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("temporary_mode", "varchar(32)")
    .addColumn("temporary_range", "varchar(64)")
    .addColumn("temporary_access_start_time", "timestamptz")
    .addColumn("temporary_access_end_time", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "identity_project_membership_roles_custom_has_id",
      sql`(role = 'custom') = (custom_role_id IS NOT NULL)`,
    )
    .addCheckConstraint(
      "identity_project_membership_roles_temporary_complete",
      sql`NOT is_temporary OR (temporary_access_start_time IS NOT NULL AND temporary_access_end_time IS NOT NULL)`,
    )
    .execute();
  await db.schema
    .createIndex("identity_project_membership_roles_membership_idx")
    .on("identity_project_membership_roles")
    .column("membership_id")
    .execute();

  for (const table of ["project_roles", "identity_project_memberships", "identity_project_membership_roles"]) {
    await addUpdatedAtTrigger(db, table);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("identity_project_membership_roles").execute();
  await db.schema.dropTable("identity_project_memberships").execute();
  await db.schema.dropTable("project_roles").execute();
}
