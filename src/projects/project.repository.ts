import { sql, type RawBuilder } from "kysely";
import type { Executor } from "../db/database.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// Projects, their environments and folder trees. Uniqueness is the schema's job; its violations
// become the contract's 400s here, once.

export type Project = {
  id: string;
  orgId: string;
  name: string;
  slug: string;
  description: string | null;
  type: string;
  version: number;
  pitVersionLimit: number;
  autoCapitalization: boolean;
  hasDeleteProtection: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type Environment = {
  id: string;
  projectId: string;
  name: string;
  slug: string;
  position: number;
  createdAt: Date;
  updatedAt: Date;
};

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

type ProjectRow = {
  id: string;
  org_id: string;
  name: string;
  slug: string;
  description: string | null;
  type: string;
  version: number;
  pit_version_limit: number;
  auto_capitalization: boolean;
  has_delete_protection: boolean;
  created_at: Date;
  updated_at: Date;
};

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  orgId: row.org_id,
  name: row.name,
  slug: row.slug,
  description: row.description,
  type: row.type,
  version: row.version,
  pitVersionLimit: row.pit_version_limit,
  autoCapitalization: row.auto_capitalization,
  hasDeleteProtection: row.has_delete_protection,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

type EnvironmentRow = { id: string; project_id: string; name: string; slug: string; position: number; created_at: Date; updated_at: Date };

const toEnvironment = (row: EnvironmentRow): Environment => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  slug: row.slug,
  position: row.position,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

type FolderRow = {
  id: string;
  name: string;
  env_id: string;
  parent_id: string | null;
  version: number;
  is_reserved: boolean;
  description: string | null;
  last_secret_modified: Date | null;
  created_at: Date;
  updated_at: Date;
};

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

export function createProjectRepository(db: Executor) {
  return {
    async findById(projectId: string): Promise<Project | undefined> {
      const row = await db.selectFrom("projects").selectAll().where("id", "=", projectId).executeTakeFirst();
      return row ? toProject(row) : undefined;
    },

    async findBySlug(orgId: string, slug: string): Promise<Project | undefined> {
      const row = await db
        .selectFrom("projects")
        .selectAll()
        .where("org_id", "=", orgId)
        .where("slug", "=", slug)
        .executeTakeFirst();
      return row ? toProject(row) : undefined;
    },

    async insertProject(input: {
      orgId: string;
      name: string;
      slug: string;
      description: string | null;
      type: string;
      hasDeleteProtection: boolean;
    }): Promise<Project> {
      try {
        const row = await db
          .insertInto("projects")
          .values({
            org_id: input.orgId,
            name: input.name,
            slug: input.slug,
            description: input.description,
            type: input.type,
            has_delete_protection: input.hasDeleteProtection,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toProject(row);
      } catch (err) {
        if (isUniqueViolation(err, "projects_org_id_slug_unique")) {
          throw new BadRequestError(
            `A project with the slug "${input.slug}" already exists in your organization. Please choose a different name or slug.`,
          );
        }
        throw err;
      }
    },

    async listEnvironments(projectId: string): Promise<Environment[]> {
      const rows = await db.selectFrom("project_environments").selectAll().where("project_id", "=", projectId).orderBy("position").execute();
      return rows.map(toEnvironment);
    },

    async findEnvironment(projectId: string, slug: string): Promise<Environment | undefined> {
      const row = await db
        .selectFrom("project_environments")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("slug", "=", slug)
        .executeTakeFirst();
      return row ? toEnvironment(row) : undefined;
    },

    /**
     * Inserts at `position` (shifting the ones at or after it; the position constraint is deferred)
     * or after the last one. Call inside a transaction: the project row is locked first, so concurrent
     * inserts into one project take their turn instead of computing the same position.
     */
    async insertEnvironment(input: { projectId: string; name: string; slug: string; position?: number }): Promise<Environment> {
      await db.selectFrom("projects").select("id").where("id", "=", input.projectId).forUpdate().execute();
      let position = input.position;
      if (position === undefined) {
        const last = await db
          .selectFrom("project_environments")
          .select((eb) => eb.fn.max("position").as("max"))
          .where("project_id", "=", input.projectId)
          .executeTakeFirst();
        position = Number(last?.max ?? 0) + 1;
      } else {
        await db
          .updateTable("project_environments")
          .set((eb) => ({ position: eb("position", "+", 1) }))
          .where("project_id", "=", input.projectId)
          .where("position", ">=", position)
          .execute();
      }
      try {
        const row = await db
          .insertInto("project_environments")
          .values({ project_id: input.projectId, name: input.name, slug: input.slug, position })
          .returningAll()
          .executeTakeFirstOrThrow();
        await db.insertInto("secret_folders").values({ env_id: row.id, parent_id: null, name: ROOT_FOLDER_NAME }).execute();
        return toEnvironment(row);
      } catch (err) {
        if (isUniqueViolation(err, "project_environments_project_id_slug_unique")) {
          throw new BadRequestError("Environment with slug already exists", { errorName: "CreateEnvironment" });
        }
        throw err;
      }
    },

    /**
     * Walks `segments` down from the environment's root in one statement. Returns the deepest folder
     * reached and its depth; undefined when the environment does not exist.
     */
    async walkFolderPath(
      projectId: string,
      environmentSlug: string,
      segments: string[],
    ): Promise<{ folderId: string; envId: string; depth: number } | undefined> {
      const { rows } = await sql<{ id: string; env_id: string; depth: number }>`/*prepared:walk_folder_path*/
        WITH RECURSIVE walk AS (${folderWalkSql(projectId, environmentSlug, segments)})
        SELECT id, env_id, depth FROM walk ORDER BY depth DESC LIMIT 1`.execute(db);
      const row = rows[0];
      return row ? { folderId: row.id, envId: row.env_id, depth: Number(row.depth) } : undefined;
    },

    /** Child `name` of `parentId`, created when missing (concurrent creators converge on one row). */
    async ensureChildFolder(envId: string, parentId: string, name: string): Promise<string> {
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
    },

    async listChildFolders(parentId: string): Promise<Folder[]> {
      const rows = await db.selectFrom("secret_folders").selectAll().where("parent_id", "=", parentId).orderBy("name").execute();
      return rows.map(toFolder);
    },

    async insertFolder(
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
    },
  };
}

export type ProjectRepository = ReturnType<typeof createProjectRepository>;
