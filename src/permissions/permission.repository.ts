import { sql, type RawBuilder } from "kysely";
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

/**
 * The grants of membership `membershipId` (an SQL expression) as one JSON array: its roles (with
 * their custom role's rules) in membership order, then its additional privileges in creation
 * order — the rule precedence. Read with `grantsFromJson`.
 */
export function grantsJsonSql(membershipId: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(
    SELECT COALESCE(json_agg(g ORDER BY g.kind_order, g.position, g.created_at), '[]'::json) FROM (
      SELECT 'role' AS kind, 0 AS kind_order, r.role, r.custom_role_id, pr.slug AS custom_slug, pr.permissions,
             r.is_temporary, r.temporary_access_end_time, r.position, r.created_at
      FROM identity_project_membership_roles r
      LEFT JOIN project_roles pr ON pr.id = r.custom_role_id
      WHERE r.membership_id = ${membershipId}
      UNION ALL
      SELECT 'privilege', 1, NULL, NULL, ap.slug, ap.permissions,
             ap.is_temporary, ap.temporary_access_end_time, 0, ap.created_at
      FROM identity_project_additional_privileges ap
      WHERE ap.membership_id = ${membershipId}
    ) g)`;
}

type GrantJson = {
  kind: "role" | "privilege";
  role: string | null;
  custom_role_id: string | null;
  custom_slug: string | null;
  permissions: unknown;
  is_temporary: boolean;
  temporary_access_end_time: string | null;
};

/** The rows of `grantsJsonSql` → roles and privileges (the pg driver parses json; PGlite may not). */
export function grantsFromJson(value: unknown): Pick<ProjectAccess, "roles" | "privileges"> {
  const grants = (typeof value === "string" ? JSON.parse(value) : value) as GrantJson[];
  const toGrant = (row: GrantJson): ProjectAccessRole => ({
    slug: row.custom_slug ?? row.role!,
    customRoleId: row.custom_role_id,
    customRules: row.permissions === null ? null : ((typeof row.permissions === "string" ? JSON.parse(row.permissions) : row.permissions) as StoredRule[]),
    isTemporary: Boolean(row.is_temporary),
    temporaryAccessEndTime: row.temporary_access_end_time === null ? null : new Date(row.temporary_access_end_time),
  });
  return {
    roles: grants.filter((row) => row.kind === "role").map(toGrant),
    privileges: grants.filter((row) => row.kind === "privilege").map(toGrant),
  };
}

export async function findProjectAccess(db: Executor, projectId: string, identityId: string): Promise<ProjectAccess | undefined> {
  const { rows } = await sql<{ project_id: string; project_name: string; org_id: string; type: string; membership_id: string | null; grants: unknown }>`/*prepared:project_access*/
        SELECT p.id AS project_id, p.name AS project_name, p.org_id, p.type, m.id AS membership_id, ${grantsJsonSql(sql`m.id`)} AS grants
        FROM projects p
        LEFT JOIN identity_project_memberships m ON m.project_id = p.id AND m.identity_id = ${identityId}
        WHERE p.id = ${projectId}`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    project: { id: row.project_id, name: row.project_name, orgId: row.org_id, type: row.type },
    membershipId: row.membership_id,
    ...grantsFromJson(row.grants),
  };
}

export async function findOrgRole(db: Executor, orgId: string, identityId: string): Promise<{ role: string; isActive: boolean } | undefined> {
  return db
    .selectFrom("org_memberships")
    .select(["role", "is_active as isActive"])
    .where("org_id", "=", orgId)
    .where("identity_id", "=", identityId)
    .executeTakeFirst();
}
