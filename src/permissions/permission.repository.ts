import type { Executor } from "../db/database.js";
import type { StoredRule } from "./ability.js";

// What an identity may do in a project, loaded in ONE round trip: the project, the identity's
// membership in it and every role of that membership with its custom role's rules.

export type ProjectAccessRole = {
  /** Built-in slug, or the custom role's slug. */
  slug: string;
  customRoleId: string | null;
  customRules: StoredRule[] | null;
  isTemporary: boolean;
  temporaryAccessEndTime: Date | null;
};

export type ProjectAccess = {
  project: { id: string; orgId: string; type: string };
  membershipId: string | null;
  roles: ProjectAccessRole[];
};

export function createPermissionRepository(db: Executor) {
  return {
    async findProjectAccess(projectId: string, identityId: string): Promise<ProjectAccess | undefined> {
      const rows = await db
        .selectFrom("projects as p")
        .leftJoin("identity_project_memberships as m", (join) =>
          join.onRef("m.project_id", "=", "p.id").on("m.identity_id", "=", identityId),
        )
        .leftJoin("identity_project_membership_roles as r", "r.membership_id", "m.id")
        .leftJoin("project_roles as pr", "pr.id", "r.custom_role_id")
        .select([
          "p.id as projectId",
          "p.org_id as orgId",
          "p.type as type",
          "m.id as membershipId",
          "r.role as role",
          "r.custom_role_id as customRoleId",
          "r.is_temporary as isTemporary",
          "r.temporary_access_end_time as temporaryAccessEndTime",
          "pr.slug as customSlug",
          "pr.permissions as permissions",
        ])
        .where("p.id", "=", projectId)
        .orderBy("r.position")
        .orderBy("r.created_at")
        .execute();
      const first = rows[0];
      if (!first) return undefined;
      return {
        project: { id: first.projectId, orgId: first.orgId, type: first.type },
        membershipId: first.membershipId,
        roles: rows
          .filter((row) => row.role !== null)
          .map((row) => ({
            slug: row.customSlug ?? row.role!,
            customRoleId: row.customRoleId,
            customRules: (row.permissions as StoredRule[] | null) ?? null,
            isTemporary: Boolean(row.isTemporary),
            temporaryAccessEndTime: row.temporaryAccessEndTime,
          })),
      };
    },

    async findOrgRole(orgId: string, identityId: string): Promise<{ role: string; isActive: boolean } | undefined> {
      return db
        .selectFrom("org_memberships")
        .select(["role", "is_active as isActive"])
        .where("org_id", "=", orgId)
        .where("identity_id", "=", identityId)
        .executeTakeFirst();
    },
  };
}

export type PermissionRepository = ReturnType<typeof createPermissionRepository>;
