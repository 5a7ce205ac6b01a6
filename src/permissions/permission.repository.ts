import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { StoredRule } from "./ability.js";

// What an identity may do in a project, loaded in ONE round trip: the project, the identity's
// membership in it, every role of that membership with its custom role's rules, and its
// additional privileges.

export type ProjectAccessRole = {
  /** Built-in slug, or the custom role's slug. */
  slug: string;
  customRoleId: string | null;
  customRules: StoredRule[] | null;
  isTemporary: boolean;
  temporaryAccessEndTime: Date | null;
};

export type ProjectAccess = {
  project: { id: string; name: string; orgId: string; type: string };
  membershipId: string | null;
  roles: ProjectAccessRole[];
  /** Additional privileges: `slug` is the privilege's, `customRules` its rules. */
  privileges: ProjectAccessRole[];
};

export function createPermissionRepository(db: Executor) {
  return {
    async findProjectAccess(projectId: string, identityId: string): Promise<ProjectAccess | undefined> {
      // Roles first (membership order), then additional privileges (creation order): rule precedence.
      const { rows } = await sql<{
        project_id: string;
        project_name: string;
        org_id: string;
        type: string;
        membership_id: string | null;
        kind: "role" | "privilege" | null;
        role: string | null;
        custom_role_id: string | null;
        custom_slug: string | null;
        permissions: unknown;
        is_temporary: boolean | null;
        temporary_access_end_time: Date | null;
      }>`
        SELECT p.id AS project_id, p.name AS project_name, p.org_id, p.type, m.id AS membership_id,
               g.kind, g.role, g.custom_role_id, g.custom_slug, g.permissions, g.is_temporary, g.temporary_access_end_time
        FROM projects p
        LEFT JOIN identity_project_memberships m ON m.project_id = p.id AND m.identity_id = ${identityId}
        LEFT JOIN LATERAL (
          SELECT 'role' AS kind, 0 AS kind_order, r.role, r.custom_role_id, pr.slug AS custom_slug, pr.permissions,
                 r.is_temporary, r.temporary_access_end_time, r.position, r.created_at
          FROM identity_project_membership_roles r
          LEFT JOIN project_roles pr ON pr.id = r.custom_role_id
          WHERE r.membership_id = m.id
          UNION ALL
          SELECT 'privilege', 1, NULL, NULL, ap.slug, ap.permissions,
                 ap.is_temporary, ap.temporary_access_end_time, 0, ap.created_at
          FROM identity_project_additional_privileges ap
          WHERE ap.membership_id = m.id
        ) g ON true
        WHERE p.id = ${projectId}
        ORDER BY g.kind_order, g.position, g.created_at`.execute(db);
      const first = rows[0];
      if (!first) return undefined;
      const grants = rows.filter((row) => row.kind !== null);
      const toGrant = (row: (typeof rows)[number]): ProjectAccessRole => ({
        slug: row.custom_slug ?? row.role!,
        customRoleId: row.custom_role_id,
        customRules: row.permissions === null ? null : ((typeof row.permissions === "string" ? JSON.parse(row.permissions) : row.permissions) as StoredRule[]),
        isTemporary: Boolean(row.is_temporary),
        temporaryAccessEndTime: row.temporary_access_end_time,
      });
      return {
        project: { id: first.project_id, name: first.project_name, orgId: first.org_id, type: first.type },
        membershipId: first.membership_id,
        roles: grants.filter((row) => row.kind === "role").map(toGrant),
        privileges: grants.filter((row) => row.kind === "privilege").map(toGrant),
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
