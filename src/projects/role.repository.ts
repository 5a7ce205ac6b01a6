import type { Executor } from "../db/database.js";
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

const toRole = (row: {
  id: string;
  project_id: string;
  name: string;
  slug: string;
  description: string | null;
  permissions: unknown;
  created_at: Date;
  updated_at: Date;
}): ProjectRole => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  slug: row.slug,
  description: row.description,
  permissions: (typeof row.permissions === "string" ? JSON.parse(row.permissions) : row.permissions) as PermissionRuleV2[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createRoleRepository(db: Executor) {
  return {
    async insert(input: {
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
    },

    async findBySlugs(projectId: string, slugs: string[]): Promise<ProjectRole[]> {
      if (slugs.length === 0) return [];
      const rows = await db.selectFrom("project_roles").selectAll().where("project_id", "=", projectId).where("slug", "in", slugs).execute();
      return rows.map(toRole);
    },
  };
}
