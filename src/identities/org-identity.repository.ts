import { authMethodsOf } from "../auth/auth-methods.js";
import type { Executor } from "../db/database.js";

// Identities as members of an organization: listing, reading, updating and deleting them.
// Deleting an identity deletes its token rows (foreign keys cascade), so a deleted identity's
// tokens stop working on the very next request.

/** Infisical's identity org membership, with the identity's name and auth methods. */
export type OrgIdentity = {
  /** The org membership's id. */
  id: string;
  identityId: string;
  orgId: string;
  role: string;
  roleId: null;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAuthMethod: string | null;
  lastLoginTime: Date | null;
  identity: { id: string; name: string; authMethods: string[]; hasDeleteProtection: boolean };
};

export function createOrgIdentityRepository(db: Executor) {
  const base = () =>
    db
      .selectFrom("org_memberships as om")
      .innerJoin("identities as i", "i.id", "om.identity_id")
      .leftJoin("identity_universal_auths as ua", "ua.identity_id", "i.id")
      .leftJoin("identity_token_auths as ta", "ta.identity_id", "i.id")
      .select([
        "om.id",
        "om.identity_id",
        "om.org_id",
        "om.role",
        "om.created_at",
        "om.updated_at",
        "om.last_login_at",
        "i.name",
        "i.has_delete_protection",
        "ua.id as ua_id",
        "ta.id as ta_id",
      ]);
  type Row = Awaited<ReturnType<ReturnType<typeof base>["executeTakeFirstOrThrow"]>>;
  const toOrgIdentity = (row: Row): OrgIdentity => ({
    id: row.id,
    identityId: row.identity_id!,
    orgId: row.org_id,
    role: row.role,
    roleId: null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAuthMethod: row.last_login_at ? "universal-auth" : null,
    lastLoginTime: row.last_login_at,
    identity: {
      id: row.identity_id!,
      name: row.name,
      authMethods: authMethodsOf(row),
      hasDeleteProtection: row.has_delete_protection,
    },
  });

  return {
    async findInOrg(identityId: string, orgId: string): Promise<OrgIdentity | undefined> {
      const row = await base().where("om.identity_id", "=", identityId).where("om.org_id", "=", orgId).executeTakeFirst();
      return row ? toOrgIdentity(row) : undefined;
    },

    /** The organization's identities, by name. */
    async listInOrg(orgId: string): Promise<OrgIdentity[]> {
      const rows = await base().where("om.org_id", "=", orgId).orderBy("i.name").orderBy("i.id").execute();
      return rows.map(toOrgIdentity);
    },

    async listMetadata(identityId: string): Promise<{ id: string; key: string; value: string }[]> {
      return db.selectFrom("resource_metadata").select(["id", "key", "value"]).where("identity_id", "=", identityId).orderBy("position").execute();
    },

    /** The identity row, locked until the transaction ends; undefined when it is gone. */
    async lockIdentity(identityId: string): Promise<{ id: string } | undefined> {
      return db.selectFrom("identities").select("id").where("id", "=", identityId).forUpdate().executeTakeFirst();
    },

    async updateIdentity(identityId: string, patch: { name?: string; hasDeleteProtection?: boolean }): Promise<void> {
      if (patch.name === undefined && patch.hasDeleteProtection === undefined) return;
      await db
        .updateTable("identities")
        .set({ name: patch.name, has_delete_protection: patch.hasDeleteProtection })
        .where("id", "=", identityId)
        .execute();
    },

    async setOrgRole(identityId: string, orgId: string, role: string): Promise<void> {
      await db.updateTable("org_memberships").set({ role }).where("identity_id", "=", identityId).where("org_id", "=", orgId).execute();
    },

    async replaceMetadata(orgId: string, identityId: string, metadata: { key: string; value: string }[]): Promise<void> {
      await db.deleteFrom("resource_metadata").where("identity_id", "=", identityId).execute();
      if (metadata.length === 0) return;
      await db
        .insertInto("resource_metadata")
        .values(metadata.map((m, position) => ({ org_id: orgId, identity_id: identityId, key: m.key, value: m.value, position })))
        .execute();
    },

    /** Its token rows, Universal Auth, org and project memberships and metadata cascade. */
    async deleteIdentity(identityId: string): Promise<boolean> {
      const result = await db.deleteFrom("identities").where("id", "=", identityId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type OrgIdentityRepository = ReturnType<typeof createOrgIdentityRepository>;
