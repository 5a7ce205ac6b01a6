import type { Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { ProjectRolesTable } from "../db/tables/role.table.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";
import type { PermissionRuleV2 } from "../permissions/permission.schemas.js";

// Custom project roles; rules are stored in the v2 format with `action` arrays.

export type ProjectRole = {
  id: string;
  projectId: string;
  name: string;
  slug: string;
  description: string | null;
  permissions: PermissionRuleV2[];
  createdAt: Date;
  updatedAt: Date;
};

const toRole = (row: Selectable<ProjectRolesTable>): ProjectRole => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  slug: row.slug,
  description: row.description,
  permissions: (typeof row.permissions === "string" ? JSON.parse(row.permissions) : row.permissions) as PermissionRuleV2[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertRole(db: Executor, input: {
  projectId: string;
  name: string;
  slug: string;
  description: string | null;
  permissions: PermissionRuleV2[];
}): Promise<ProjectRole> {
  try {
    const row = await db
      .insertInto("project_roles")
      .values({
        project_id: input.projectId,
        name: input.name,
        slug: input.slug,
        description: input.description,
        permissions: JSON.stringify(input.permissions),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRole(row);
  } catch (err) {
    if (isUniqueViolation(err, "project_roles_project_id_slug_unique")) {
      throw new BadRequestError(`Role with slug '${input.slug}' already exists in this project`);
    }
    throw err;
  }
}

export async function findById(db: Executor, projectId: string, roleId: string): Promise<ProjectRole | undefined> {
  const row = await db.selectFrom("project_roles").selectAll().where("project_id", "=", projectId).where("id", "=", roleId).executeTakeFirst();
  return row ? toRole(row) : undefined;
}

/** The role, locked until the transaction ends: membership roles referencing it wait for us. */
export async function lockById(db: Executor, projectId: string, roleId: string): Promise<ProjectRole | undefined> {
  const row = await db
    .selectFrom("project_roles")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", roleId)
    .forUpdate()
    .executeTakeFirst();
  return row ? toRole(row) : undefined;
}

/** The project's custom roles by slug. */
export async function listByProject(db: Executor, projectId: string): Promise<ProjectRole[]> {
  const rows = await db.selectFrom("project_roles").selectAll().where("project_id", "=", projectId).orderBy("slug").execute();
  return rows.map(toRole);
}

/** Absent fields are kept. A slug taken in the project is the same 400 as on create. */
export async function updateRole(
  db: Executor,
  roleId: string,
  patch: { slug?: string; name?: string; description?: string | null; permissions?: PermissionRuleV2[] },
): Promise<ProjectRole> {
  try {
    const row = await db
      .updateTable("project_roles")
      .set({
        slug: patch.slug,
        name: patch.name,
        description: patch.description,
        permissions: patch.permissions && JSON.stringify(patch.permissions),
      })
      .where("id", "=", roleId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRole(row);
  } catch (err) {
    if (isUniqueViolation(err, "project_roles_project_id_slug_unique")) {
      throw new BadRequestError(`Role with slug '${patch.slug}' already exists in this project`);
    }
    throw err;
  }
}

/** How many identity membership roles use the role. */
export async function countAssignments(db: Executor, roleId: string): Promise<number> {
  const row = await db
    .selectFrom("identity_project_membership_roles")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("custom_role_id", "=", roleId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteRole(db: Executor, roleId: string): Promise<void> {
  await db.deleteFrom("project_roles").where("id", "=", roleId).execute();
}

export async function findBySlugs(db: Executor, projectId: string, slugs: string[]): Promise<ProjectRole[]> {
  if (slugs.length === 0) return [];
  const rows = await db.selectFrom("project_roles").selectAll().where("project_id", "=", projectId).where("slug", "in", slugs).execute();
  return rows.map(toRole);
}
