import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // project_id/project_name are copies, not foreign keys: the history outlives a deleted project.
  await db.schema
    .createTable("audit_logs")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("org_id", "uuid", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("project_id", "uuid")
    .addColumn("project_name", "varchar(255)")
    .addColumn("actor", "varchar(64)", (c) => c.notNull())
    .addColumn("actor_metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("ip_address", "varchar(255)")
    .addColumn("user_agent", "text")
    .addColumn("user_agent_type", "varchar(64)")
    .addColumn("event_type", "varchar(255)", (c) => c.notNull())
    .addColumn("event_metadata", "jsonb")
    .addColumn("expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("audit_logs_scoped", sql`org_id IS NOT NULL OR project_id IS NOT NULL`)
    .execute();
  await sql`CREATE INDEX audit_logs_org_created_idx ON audit_logs (org_id, created_at DESC)`.execute(db);
  await sql`CREATE INDEX audit_logs_project_created_idx ON audit_logs (project_id, created_at DESC)`.execute(db);
  await sql`CREATE INDEX audit_logs_org_event_created_idx ON audit_logs (org_id, event_type, created_at DESC)`.execute(db);
  await sql`CREATE INDEX audit_logs_event_metadata_idx ON audit_logs USING gin (event_metadata jsonb_path_ops)`.execute(db);
  await sql`CREATE INDEX audit_logs_expires_idx ON audit_logs (expires_at) WHERE expires_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("audit_logs").execute();
}
