import type { Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { ProjectEnvironmentsTable } from "../db/tables/project.table.js";
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

type EnvironmentRow = Selectable<ProjectEnvironmentsTable>;

const toEnvironment = (row: EnvironmentRow): Environment => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  slug: row.slug,
  position: row.position,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function listEnvironments(db: Executor, projectId: string): Promise<Environment[]> {
  const rows = await db.selectFrom("project_environments").selectAll().where("project_id", "=", projectId).orderBy("position").execute();
  return rows.map(toEnvironment);
}

export async function findEnvironment(db: Executor, projectId: string, slug: string): Promise<Environment | undefined> {
  const row = await db
    .selectFrom("project_environments")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("slug", "=", slug)
    .executeTakeFirst();
  return row ? toEnvironment(row) : undefined;
}

/**
 * Inserts at `position` (shifting the ones at or after it; the position constraint is deferred)
 * or after the last one. Call inside a transaction: the project row is locked first, so concurrent
 * inserts into one project take their turn instead of computing the same position.
 */
export async function insertEnvironment(db: Executor, input: { projectId: string; name: string; slug: string; position?: number }): Promise<Environment> {
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
}

/** The environments of several projects, each project's in position order. */
export async function listEnvironmentsOf(db: Executor, projectIds: string[]): Promise<Environment[]> {
  if (projectIds.length === 0) return [];
  const rows = await db
    .selectFrom("project_environments")
    .selectAll()
    .where("project_id", "in", projectIds)
    .orderBy("project_id")
    .orderBy("position")
    .execute();
  return rows.map(toEnvironment);
}

export async function findById(db: Executor, environmentId: string): Promise<Environment | undefined> {
  const row = await db.selectFrom("project_environments").selectAll().where("id", "=", environmentId).executeTakeFirst();
  return row ? toEnvironment(row) : undefined;
}

/**
 * The environment, locked with its project's row (the lock every environment write of the project
 * takes first, so positions are computed one writer at a time). Call inside a transaction.
 */
export async function lockInProject(db: Executor, projectId: string, environmentId: string): Promise<Environment | undefined> {
  await db.selectFrom("projects").select("id").where("id", "=", projectId).forUpdate().execute();
  const row = await db
    .selectFrom("project_environments")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", environmentId)
    .forUpdate()
    .executeTakeFirst();
  return row ? toEnvironment(row) : undefined;
}

/**
 * Absent fields are kept. Moving to a position another environment holds shifts the ones in
 * between by one towards the old position (Infisical's rule); a free position is simply taken.
 * Call inside a transaction after `lockInProject`.
 */
export async function updateEnvironment(db: Executor, old: Environment, patch: { name?: string; slug?: string; position?: number }): Promise<Environment> {
  const target = patch.position;
  if (target !== undefined && target !== old.position) {
    const occupied = await db
      .selectFrom("project_environments")
      .select("id")
      .where("project_id", "=", old.projectId)
      .where("position", "=", target)
      .executeTakeFirst();
    if (occupied) {
      const down = target > old.position;
      await db
        .updateTable("project_environments")
        .set((eb) => ({ position: eb("position", down ? "-" : "+", 1) }))
        .where("project_id", "=", old.projectId)
        .where("position", down ? ">" : ">=", down ? old.position : target)
        .where("position", down ? "<=" : "<", down ? target : old.position)
        .execute();
    }
  }
  try {
    const row = await db
      .updateTable("project_environments")
      .set({ name: patch.name, slug: patch.slug, position: target })
      .where("id", "=", old.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEnvironment(row);
  } catch (err) {
    if (isUniqueViolation(err, "project_environments_project_id_slug_unique")) {
      throw new BadRequestError("Environment with slug already exists", { errorName: "UpdateEnvironment" });
    }
    throw err;
  }
}

/** Its folders and their dynamic secrets cascade. */
export async function deleteEnvironment(db: Executor, environmentId: string): Promise<void> {
  await db.deleteFrom("project_environments").where("id", "=", environmentId).execute();
}
