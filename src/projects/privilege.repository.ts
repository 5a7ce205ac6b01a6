import type { Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { IdentityProjectAdditionalPrivilegesTable } from "../db/tables/additional-privilege.table.js";
import { isForeignKeyViolation, isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// Additional privileges: extra rules of one identity's membership in one project.

export type NewPrivilege = {
  membershipId: string;
  slug: string;
  permissions: unknown[];
  /** The temporary window; absent for a permanent privilege. */
  temporary?: { range: string; start: Date; end: Date };
};

export type PrivilegeRow = Selectable<IdentityProjectAdditionalPrivilegesTable>;

/**
 * Inserts the privilege; a slug taken in the membership is Infisical's 400. Undefined when the
 * membership was deleted between the caller's read and this write (the foreign key decides).
 */
export async function insertPrivilege(db: Executor, privilege: NewPrivilege): Promise<PrivilegeRow | undefined> {
  try {
    return await db
      .insertInto("identity_project_additional_privileges")
      .values({
        membership_id: privilege.membershipId,
        slug: privilege.slug,
        permissions: JSON.stringify(privilege.permissions),
        is_temporary: privilege.temporary !== undefined,
        temporary_mode: privilege.temporary ? "relative" : null,
        temporary_range: privilege.temporary?.range ?? null,
        temporary_access_start_time: privilege.temporary?.start ?? null,
        temporary_access_end_time: privilege.temporary?.end ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (isUniqueViolation(err, "identity_project_additional_privileges_membership_slug_unique")) {
      throw new BadRequestError("Additional privilege of provided slug exist");
    }
    if (isForeignKeyViolation(err, "identity_project_additional_privileges_membership_id_fkey")) return undefined;
    throw err;
  }
}
