import { sql, type Kysely } from "kysely";

// Shared by the migrations: set_updated_at() is created by the first one.
export async function addUpdatedAtTrigger(db: Kysely<any>, table: string): Promise<void> {
  await sql`CREATE TRIGGER ${sql.raw(`${table}_updated_at`)} BEFORE UPDATE ON ${sql.table(table)}
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()`.execute(db);
}
