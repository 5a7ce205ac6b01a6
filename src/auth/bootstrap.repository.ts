import type { Executor } from "../db/database.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// The instance singleton, the admin user and the organization created by bootstrap.

/**
 * Marks the instance initialized, or returns false when it already was. The singleton row is
 * the lock: a concurrent bootstrap waits on it and then sees it initialized.
 */
export async function claimInstance(db: Executor): Promise<boolean> {
  const row = await db
    .insertInto("instance_settings")
    .values({ id: 1, initialized: true })
    .onConflict((oc) => oc.column("id").doUpdateSet({ initialized: true }).where("instance_settings.initialized", "=", false))
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** A plain read, for refusing early; claimInstance stays the decision under races. */
export async function isInitialized(db: Executor): Promise<boolean> {
  const row = await db.selectFrom("instance_settings").select("initialized").where("id", "=", 1).executeTakeFirst();
  return row?.initialized === true;
}

export async function setInstanceAdminIdentity(db: Executor, identityId: string): Promise<void> {
  await db.updateTable("instance_settings").set({ instance_admin_identity_id: identityId }).where("id", "=", 1).execute();
}

export async function insertAdminUser(db: Executor, email: string, passwordHash: string) {
  try {
    return await db
      .insertInto("users")
      .values({
        email,
        username: email,
        first_name: "Admin",
        last_name: "User",
        super_admin: true,
        password_hash: passwordHash,
      })
      .returning(["id", "email", "username", "first_name", "last_name", "super_admin"])
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (isUniqueViolation(err)) throw new BadRequestError("User already exists", { errorName: "Instance initialization" });
    throw err;
  }
}

export async function addAdminUserToOrganization(db: Executor, orgId: string, userId: string): Promise<void> {
  await db.insertInto("org_memberships").values({ org_id: orgId, user_id: userId, role: "admin" }).execute();
}

export async function insertOrganization(db: Executor, name: string, slug: string) {
  return db.insertInto("organizations").values({ name, slug }).returning(["id", "name", "slug"]).executeTakeFirstOrThrow();
}
