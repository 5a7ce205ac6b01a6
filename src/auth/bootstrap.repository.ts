import type { Executor } from "../db/database.js";
import { isUniqueViolation } from "../db/pg-errors.js";
import { BadRequestError } from "../lib/errors.js";

// The instance singleton, the admin user and the organization created by bootstrap.

export function createBootstrapRepository(db: Executor) {
  return {
    /**
     * Marks the instance initialized, or returns false when it already was. The singleton row is
     * the lock: a concurrent bootstrap waits on it and then sees it initialized.
     */
    async claimInstance(): Promise<boolean> {
      const row = await db
        .insertInto("instance_settings")
        .values({ id: 1, initialized: true })
        .onConflict((oc) => oc.column("id").doUpdateSet({ initialized: true }).where("instance_settings.initialized", "=", false))
        .returning("id")
        .executeTakeFirst();
      return row !== undefined;
    },

    /** A plain read, for refusing early; claimInstance stays the decision under races. */
    async isInitialized(): Promise<boolean> {
      const row = await db.selectFrom("instance_settings").select("initialized").where("id", "=", 1).executeTakeFirst();
      return row?.initialized === true;
    },

    async setInstanceAdminIdentity(identityId: string): Promise<void> {
      await db.updateTable("instance_settings").set({ instance_admin_identity_id: identityId }).where("id", "=", 1).execute();
    },

    async insertAdminUser(email: string, passwordHash: string) {
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
    },

    async insertOrganization(name: string, slug: string) {
      return db.insertInto("organizations").values({ name, slug }).returning(["id", "name", "slug"]).executeTakeFirstOrThrow();
    },
  };
}
