import { sql, type RawBuilder, type Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { SecretFoldersTable } from "../db/tables/project.table.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";
import { isUuid } from "../lib/uuid.js";

// Folder trees, one per environment: a root (parent_id NULL, name "root") and names unique per parent.

export type Folder = {
  id: string;
  name: string;
  envId: string;
  parentId: string | null;
  version: number;
  isReserved: boolean;
  description: string | null;
  lastSecretModified: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

type FolderRow = Selectable<SecretFoldersTable>;

const toFolder = (row: FolderRow): Folder => ({
  id: row.id,
  name: row.name,
  envId: row.env_id,
  parentId: row.parent_id,
  version: row.version,
  isReserved: row.is_reserved,
  description: row.description,
  lastSecretModified: row.last_secret_modified,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export type FolderWithPath = Folder & {
  environment: { envId: string; envName: string; envSlug: string };
  path: string;
  projectId: string;
};

export const ROOT_FOLDER_NAME = "root";

/**
 * The body of a recursive CTE named `walk` (id, env_id, depth): the environment's root folder, then
 * one child per segment as far as they exist. `projectId` is a value or an SQL expression.
 */
export function folderWalkSql(projectId: unknown, environmentSlug: string, segments: string[]): RawBuilder<unknown> {
  return sql`
    SELECT f.id, f.env_id, 0 AS depth
    FROM secret_folders f
    JOIN project_environments e ON e.id = f.env_id
    WHERE e.project_id = ${projectId} AND e.slug = ${environmentSlug} AND f.parent_id IS NULL
    UNION ALL
    SELECT c.id, c.env_id, w.depth + 1
    FROM secret_folders c
    JOIN walk w ON c.parent_id = w.id
    WHERE w.depth < ${segments.length} AND c.name = (${JSON.stringify(segments)}::jsonb ->> w.depth)`;
}

/**
 * Walks `segments` down from the environment's root in one statement. Returns the deepest folder
 * reached and its depth; undefined when the environment does not exist.
 */
export async function walkFolderPath(
  db: Executor,
  projectId: string,
  environmentSlug: string,
  segments: string[],
): Promise<{ folderId: string; envId: string; depth: number } | undefined> {
  const { rows } = await sql<{ id: string; env_id: string; depth: number }>`/*prepared:walk_folder_path*/
        WITH RECURSIVE walk AS (${folderWalkSql(projectId, environmentSlug, segments)})
        SELECT id, env_id, depth FROM walk ORDER BY depth DESC LIMIT 1`.execute(db);
  const row = rows[0];
  return row ? { folderId: row.id, envId: row.env_id, depth: Number(row.depth) } : undefined;
}

/** Child `name` of `parentId`, created when missing (concurrent creators converge on one row). */
export async function ensureChildFolder(db: Executor, envId: string, parentId: string, name: string): Promise<string> {
  await db
    .insertInto("secret_folders")
    .values({ env_id: envId, parent_id: parentId, name })
    .onConflict((oc) => oc.columns(["parent_id", "name"]).doNothing())
    .execute();
  const row = await db
    .selectFrom("secret_folders")
    .select("id")
    .where("parent_id", "=", parentId)
    .where("name", "=", name)
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listChildFolders(db: Executor, parentId: string): Promise<Folder[]> {
  const rows = await db.selectFrom("secret_folders").selectAll().where("parent_id", "=", parentId).orderBy("name").execute();
  return rows.map(toFolder);
}

export async function insertFolder(
  db: Executor,
  input: { envId: string; parentId: string; name: string; description: string | null },
  parentPath: string,
): Promise<Folder> {
  try {
    const row = await db
      .insertInto("secret_folders")
      .values({ env_id: input.envId, parent_id: input.parentId, name: input.name, description: input.description })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFolder(row);
  } catch (err) {
    if (isUniqueViolation(err, "secret_folders_parent_id_name_unique")) {
      throw new BadRequestError(`Folder with name '${input.name}' already exists in path '${parentPath}'`);
    }
    throw err;
  }
}

/**
 * The child of `parentId` named `idOrName`, else the child with that id (Infisical's order:
 * a folder may be named like another one's id).
 */
export async function findChild(db: Executor, parentId: string, idOrName: string): Promise<Folder | undefined> {
  const children = db.selectFrom("secret_folders").selectAll().where("parent_id", "=", parentId);
  const byName = await children.where("name", "=", idOrName).executeTakeFirst();
  if (byName) return toFolder(byName);
  if (!isUuid(idOrName)) return undefined;
  const byId = await children.where("id", "=", idOrName).executeTakeFirst();
  return byId ? toFolder(byId) : undefined;
}

/** Undefined when the folder is gone. A name taken under the same parent is Infisical's 400. */
export async function renameFolder(db: Executor, folderId: string, patch: { name: string; description?: string | null }): Promise<Folder | undefined> {
  try {
    const row = await db
      .updateTable("secret_folders")
      .set({ name: patch.name, description: patch.description })
      .where("id", "=", folderId)
      .returningAll()
      .executeTakeFirst();
    return row ? toFolder(row) : undefined;
  } catch (err) {
    if (isUniqueViolation(err, "secret_folders_parent_id_name_unique")) {
      throw new BadRequestError("Folder with specified name already exists", { errorName: "UpdateFolder" });
    }
    throw err;
  }
}

/**
 * The folder with its environment, project and path (`/` for a root, `/a/b` below), walked up
 * in one statement; undefined when there is no such folder.
 */
export async function findWithPath(db: Executor, folderId: string): Promise<FolderWithPath | undefined> {
  if (!isUuid(folderId)) return undefined;
  const { rows } = await sql<FolderRow & { env_name: string; env_slug: string; project_id: string; path: string }>`
        WITH RECURSIVE up AS (
          SELECT id, parent_id, name, 0 AS depth FROM secret_folders WHERE id = ${folderId}
          UNION ALL
          SELECT p.id, p.parent_id, p.name, up.depth + 1 FROM secret_folders p JOIN up ON p.id = up.parent_id
        )
        SELECT f.*, e.name AS env_name, e.slug AS env_slug, e.project_id,
               '/' || coalesce((SELECT string_agg(name, '/' ORDER BY depth DESC) FROM up WHERE parent_id IS NOT NULL), '') AS path
        FROM secret_folders f JOIN project_environments e ON e.id = f.env_id
        WHERE f.id = ${folderId}`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...toFolder(row),
    environment: { envId: row.env_id, envName: row.env_name, envSlug: row.env_slug },
    path: row.path,
    projectId: row.project_id,
  };
}

/** Its sub-folders and every dynamic secret in them cascade. Undefined when it was already gone. */
export async function deleteFolder(db: Executor, folderId: string): Promise<Folder | undefined> {
  const row = await db.deleteFrom("secret_folders").where("id", "=", folderId).returningAll().executeTakeFirst();
  return row ? toFolder(row) : undefined;
}
