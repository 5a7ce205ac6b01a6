import { authMethodsOf } from "../auth/auth-methods.js";
import type { Selectable } from "kysely";
import type { Executor } from "../db/database.js";
import type { IdentityProjectMembershipsTable } from "../db/tables/role.table.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";
import { temporaryAccessOf, type TemporaryAccess } from "./temporary-access.js";

// Identity project memberships and their ordered roles.

export type NewMembershipRole = {
  /** Built-in slug, or "custom" with customRoleId. */
  role: string;
  customRoleId: string | null;
} & TemporaryAccess;

export type MembershipRole = NewMembershipRole & { id: string; customRoleSlug: string | null; createdAt: Date; updatedAt: Date };

export type Membership = { id: string; identityId: string; projectId: string; createdAt: Date; updatedAt: Date; roles: MembershipRole[] };

export type MembershipWithIdentity = Membership & { identity: { id: string; name: string; authMethods: string[] } };

/** The id of the identity's membership in the project, if any. */
export async function findMembershipId(db: Executor, projectId: string, identityId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("identity_project_memberships")
    .select("id")
    .where("project_id", "=", projectId)
    .where("identity_id", "=", identityId)
    .executeTakeFirst();
  return row?.id;
}

/** Call inside a transaction: the membership and its roles appear together. */
export async function insertMembership(db: Executor, projectId: string, identityId: string, roles: NewMembershipRole[]): Promise<Membership> {
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
  return { ...toMembership(membership), roles: await insertRoles(db, membership.id, roles) };
}

/** Replaces every role of the membership; undefined when there is none. Call inside a transaction. */
export async function replaceRoles(db: Executor, projectId: string, identityId: string, roles: NewMembershipRole[]): Promise<Membership | undefined> {
  // The row lock serializes concurrent replacements of the same membership.
  const membership = await db
    .selectFrom("identity_project_memberships")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("identity_id", "=", identityId)
    .forUpdate()
    .executeTakeFirst();
  if (!membership) return undefined;
  await db.deleteFrom("identity_project_membership_roles").where("membership_id", "=", membership.id).execute();
  return { ...toMembership(membership), roles: await insertRoles(db, membership.id, roles) };
}

/** The project's identity memberships (or one identity's), each with its roles in order and its identity. */
export async function listWithIdentities(db: Executor, projectId: string, identityId?: string): Promise<MembershipWithIdentity[]> {
  let query = db
    .selectFrom("identity_project_memberships as m")
    .innerJoin("identities as i", "i.id", "m.identity_id")
    .leftJoin("identity_universal_auths as ua", "ua.identity_id", "i.id")
    .leftJoin("identity_token_auths as ta", "ta.identity_id", "i.id")
    .selectAll("m")
    .select(["i.name", "ua.id as ua_id", "ta.id as ta_id"])
    .where("m.project_id", "=", projectId);
  if (identityId) query = query.where("m.identity_id", "=", identityId);
  const rows = await query.orderBy("m.created_at").orderBy("m.id").execute();
  const roles = await loadRolesOf(db, rows.map((row) => row.id));
  return rows.map((row) => ({
    ...toMembership(row),
    roles: roles.filter((role) => role.membershipId === row.id).map(({ membershipId: _, ...role }) => role),
    identity: {
      id: row.identity_id,
      name: row.name,
      authMethods: authMethodsOf(row),
    },
  }));
}

export async function deleteMembership(db: Executor, projectId: string, identityId: string): Promise<Membership | undefined> {
  const membership = await db
    .selectFrom("identity_project_memberships")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("identity_id", "=", identityId)
    .executeTakeFirst();
  if (!membership) return undefined;
  const roles = await loadRoles(db, membership.id);
  const deleted = await db.deleteFrom("identity_project_memberships").where("id", "=", membership.id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) return undefined;
  return { ...toMembership(membership), roles };
}

async function insertRoles(db: Executor, membershipId: string, roles: NewMembershipRole[]): Promise<MembershipRole[]> {
  await db
    .insertInto("identity_project_membership_roles")
    .values(
      roles.map((role, position) => ({
        membership_id: membershipId,
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
    .execute();
  return loadRoles(db, membershipId);
}

async function loadRoles(db: Executor, membershipId: string): Promise<MembershipRole[]> {
  return (await loadRolesOf(db, [membershipId])).map(({ membershipId: _, ...role }) => role);
}

/** The roles of several memberships, each membership's in position order. */
async function loadRolesOf(db: Executor, ids: string[]): Promise<(MembershipRole & { membershipId: string })[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("identity_project_membership_roles as r")
    .leftJoin("project_roles as pr", "pr.id", "r.custom_role_id")
    .selectAll("r")
    .select("pr.slug as custom_slug")
    .where("r.membership_id", "in", ids)
    .orderBy("r.membership_id")
    .orderBy("r.position")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    membershipId: row.membership_id,
    role: row.role,
    customRoleId: row.custom_role_id,
    customRoleSlug: row.custom_slug,
    ...temporaryAccessOf(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

const toMembership = (row: Selectable<IdentityProjectMembershipsTable>) => ({
  id: row.id,
  identityId: row.identity_id,
  projectId: row.project_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
