import { sql, type Kysely } from "kysely";
import { addUpdatedAtTrigger } from "./updated-at-trigger.js";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("projects")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("org_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("slug", "varchar(64)", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("type", "varchar(64)", (c) => c.notNull().defaultTo("secret-manager"))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(3))
    .addColumn("pit_version_limit", "integer", (c) => c.notNull().defaultTo(10))
    .addColumn("auto_capitalization", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("has_delete_protection", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("audit_logs_retention_days", "integer")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("projects_org_id_slug_unique", ["org_id", "slug"])
    .execute();

  await db.schema
    .createTable("project_environments")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("project_id", "uuid", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("slug", "varchar(64)", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("project_environments_project_id_slug_unique", ["project_id", "slug"])
    .execute();
  // Deferred so that inserting at an occupied position can shift the others in one transaction.
  await sql`ALTER TABLE project_environments ADD CONSTRAINT project_environments_project_id_position_unique
    UNIQUE (project_id, position) DEFERRABLE INITIALLY DEFERRED`.execute(db);

  // A tree per environment: exactly one root (parent_id NULL, name "root"), names unique per parent.
  await db.schema
    .createTable("secret_folders")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("env_id", "uuid", (c) => c.notNull().references("project_environments.id").onDelete("cascade"))
    .addColumn("parent_id", "uuid", (c) => c.references("secret_folders.id").onDelete("cascade"))
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("is_reserved", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("description", "text")
    .addColumn("last_secret_modified", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("secret_folders_parent_id_name_unique", ["parent_id", "name"])
    .execute();
  await sql`CREATE UNIQUE INDEX secret_folders_one_root_per_env ON secret_folders (env_id) WHERE parent_id IS NULL`.execute(db);
  await db.schema.createIndex("secret_folders_env_idx").on("secret_folders").column("env_id").execute();

  for (const table of ["projects", "project_environments", "secret_folders"]) {
    await addUpdatedAtTrigger(db, table);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("secret_folders").execute();
  await db.schema.dropTable("project_environments").execute();
  await db.schema.dropTable("projects").execute();
}
