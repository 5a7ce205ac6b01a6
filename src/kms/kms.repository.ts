import type { Executor, Trx } from "../db/database.js";

export type WrappedDataKey = { projectId: string; wrappedKey: Uint8Array; rootKeyId: string };

export async function findDataKey(db: Executor, projectId: string): Promise<WrappedDataKey | undefined> {
  const row = await db
    .selectFrom("project_data_keys")
    .select(["project_id", "wrapped_key", "root_key_id"])
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return row && { projectId: row.project_id, wrappedKey: row.wrapped_key, rootKeyId: row.root_key_id };
}

/** Lazy creation: the first writer wins, concurrent creators read the winner's key afterwards. */
export async function insertDataKeyIfAbsent(db: Executor, key: WrappedDataKey): Promise<void> {
  await db
    .insertInto("project_data_keys")
    .values({ project_id: key.projectId, wrapped_key: key.wrappedKey, root_key_id: key.rootKeyId })
    .onConflict((oc) => oc.column("project_id").doNothing())
    .execute();
}

export async function lockAllDataKeys(trx: Trx): Promise<WrappedDataKey[]> {
  const rows = await trx
    .selectFrom("project_data_keys")
    .select(["project_id", "wrapped_key", "root_key_id"])
    .orderBy("project_id")
    .forUpdate()
    .execute();
  return rows.map((row) => ({ projectId: row.project_id, wrappedKey: row.wrapped_key, rootKeyId: row.root_key_id }));
}

export async function updateWrappedKey(trx: Trx, key: WrappedDataKey): Promise<void> {
  await trx
    .updateTable("project_data_keys")
    .set({ wrapped_key: key.wrappedKey, root_key_id: key.rootKeyId })
    .where("project_id", "=", key.projectId)
    .execute();
}

export async function countDataKeysByOtherRootKeys(db: Executor, rootKeyId: string): Promise<{ rootKeyId: string; count: number }[]> {
  const rows = await db
    .selectFrom("project_data_keys")
    .select((eb) => ["root_key_id", eb.fn.countAll<number>().as("count")])
    .where("root_key_id", "!=", rootKeyId)
    .groupBy("root_key_id")
    .orderBy("root_key_id")
    .execute();
  return rows.map((row) => ({ rootKeyId: row.root_key_id, count: Number(row.count) }));
}
