import type { Executor } from "../db/database.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";
import { ROOT_FOLDER_NAME } from "./folder.repository.js";

// A project's environments, ordered by position; each has one root folder.

export type Environment = {
  id: string;
  projectId: string;
  name: string;
  slug: string;
  position: number;
  createdAt: Date;
  updatedAt: Date;
};

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

export function createEnvironmentRepository(db: Executor) {
  return {
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

  };
}

export type EnvironmentRepository = ReturnType<typeof createEnvironmentRepository>;
