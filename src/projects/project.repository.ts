import type { Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { ProjectsTable } from "../db/tables/project.table.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// Projects. Uniqueness is the schema's job; its violations become the contract's 400s here, once.

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

type ProjectRow = Selectable<ProjectsTable>;

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

export type ProjectPatch = {
  name?: string;
  description?: string;
  slug?: string;
  autoCapitalization?: boolean;
  hasDeleteProtection?: boolean;
  pitVersionLimit?: number;
};

export async function findById(db: Executor, projectId: string): Promise<Project | undefined> {
  const row = await db.selectFrom("projects").selectAll().where("id", "=", projectId).executeTakeFirst();
  return row ? toProject(row) : undefined;
}

export async function findBySlug(db: Executor, orgId: string, slug: string): Promise<Project | undefined> {
  const row = await db
    .selectFrom("projects")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("slug", "=", slug)
    .executeTakeFirst();
  return row ? toProject(row) : undefined;
}

export async function insertProject(db: Executor, input: {
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
}

/** The projects of `orgId` that the identity is a member of, by name. */
export async function listForIdentity(db: Executor, identityId: string, orgId: string, type?: string): Promise<Project[]> {
  let query = db
    .selectFrom("projects as p")
    .innerJoin("identity_project_memberships as m", "m.project_id", "p.id")
    .selectAll("p")
    .where("m.identity_id", "=", identityId)
    .where("p.org_id", "=", orgId);
  if (type) query = query.where("p.type", "=", type);
  const rows = await query.orderBy("p.name").orderBy("p.created_at").execute();
  return rows.map(toProject);
}

/** Undefined when the project is gone. A slug taken in the organization is Infisical's 400. */
export async function updateProject(db: Executor, projectId: string, patch: ProjectPatch): Promise<Project | undefined> {
  try {
    const row = await db
      .updateTable("projects")
      .set({
        name: patch.name,
        description: patch.description,
        slug: patch.slug,
        auto_capitalization: patch.autoCapitalization,
        has_delete_protection: patch.hasDeleteProtection,
        pit_version_limit: patch.pitVersionLimit,
      })
      .where("id", "=", projectId)
      .returningAll()
      .executeTakeFirst();
    return row ? toProject(row) : undefined;
  } catch (err) {
    if (isUniqueViolation(err, "projects_org_id_slug_unique")) {
      throw new BadRequestError(
        `Failed to update project. A project with the slug "${patch.slug}" already exists in your organization. Please choose a different slug.`,
      );
    }
    throw err;
  }
}

/** Deletes the project; environments, folders, dynamic secrets, roles, memberships and keys cascade. */
export async function deleteProject(db: Executor, projectId: string): Promise<Project | undefined> {
  const row = await db.deleteFrom("projects").where("id", "=", projectId).returningAll().executeTakeFirst();
  return row ? toProject(row) : undefined;
}
