import { sql, type Kysely } from "kysely";

// D29 for containers: a project, environment or folder whose dynamic secrets still have leases is
// not deleted at once (the cascade would drop the lease rows and orphan the credentials). Its
// deletion is recorded here; the expiry worker revokes the leases below it and deletes it once
// none remain. Exactly one of the three ids is set; the row goes with its container (cascade).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("pending_deletions")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("project_id", "uuid", (c) => c.unique().references("projects.id").onDelete("cascade"))
    .addColumn("environment_id", "uuid", (c) => c.unique().references("project_environments.id").onDelete("cascade"))
    .addColumn("folder_id", "uuid", (c) => c.unique().references("secret_folders.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("pending_deletions_one_target", sql`num_nonnulls(project_id, environment_id, folder_id) = 1`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("pending_deletions").execute();
}
