import type { Executor } from "../db/database.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// Identity project memberships and their ordered roles.

export type NewMembershipRole = {
  /** Built-in slug, or "custom" with customRoleId. */
  role: string;
  customRoleId: string | null;
  isTemporary: boolean;
  temporaryMode: string | null;
  temporaryRange: string | null;
  temporaryAccessStartTime: Date | null;
  temporaryAccessEndTime: Date | null;
};

export type MembershipRole = NewMembershipRole & { id: string; customRoleSlug: string | null; createdAt: Date; updatedAt: Date };

export type Membership = { id: string; identityId: string; projectId: string; createdAt: Date; updatedAt: Date; roles: MembershipRole[] };

export function createMembershipRepository(db: Executor) {
  return {
    /** Call inside a transaction: the membership and its roles appear together. */
    async insertMembership(projectId: string, identityId: string, roles: NewMembershipRole[]): Promise<Membership> {
      let membership;
      try {
        membership = await db
          .insertInto("identity_project_memberships")
          .values({ project_id: projectId, identity_id: identityId })
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (err) {
        if (isUniqueViolation(err, "identity_project_memberships_project_identity_unique")) {
          throw new BadRequestError("Identity is already a member");
        }
        throw err;
      }
      const rows = await db
        .insertInto("identity_project_membership_roles")
        .values(
          roles.map((role, position) => ({
            membership_id: membership.id,
            role: role.role,
            custom_role_id: role.customRoleId,
            position,
            is_temporary: role.isTemporary,
            temporary_mode: role.temporaryMode,
            temporary_range: role.temporaryRange,
            temporary_access_start_time: role.temporaryAccessStartTime,
            temporary_access_end_time: role.temporaryAccessEndTime,
          })),
        )
        .returningAll()
        .execute();
      const customSlugs = new Map<string, string>();
      const customIds = roles.flatMap((r) => (r.customRoleId ? [r.customRoleId] : []));
      if (customIds.length > 0) {
        const custom = await db.selectFrom("project_roles").select(["id", "slug"]).where("id", "in", customIds).execute();
        for (const c of custom) customSlugs.set(c.id, c.slug);
      }
      return {
        id: membership.id,
        identityId: membership.identity_id,
        projectId: membership.project_id,
        createdAt: membership.created_at,
        updatedAt: membership.updated_at,
        roles: rows
          .sort((a, b) => a.position - b.position)
          .map((row) => ({
            id: row.id,
            role: row.role,
            customRoleId: row.custom_role_id,
            customRoleSlug: row.custom_role_id ? (customSlugs.get(row.custom_role_id) ?? null) : null,
            isTemporary: row.is_temporary,
            temporaryMode: row.temporary_mode,
            temporaryRange: row.temporary_range,
            temporaryAccessStartTime: row.temporary_access_start_time,
            temporaryAccessEndTime: row.temporary_access_end_time,
            createdAt: row.created_at,
            updatedAt: row.updated_at,
          })),
      };
    },
  };
}
