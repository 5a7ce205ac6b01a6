import { authMethodsOf } from "../auth/auth-methods.js";
import type { Executor } from "../db/database.js";

// Machine identities as members of an organization: creating, listing, reading, updating and
// deleting them. Deleting an identity deletes its token rows (foreign keys cascade), so a deleted
// identity's tokens stop working on the very next request.

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

/** The identity with its role in one organization and its metadata. */
export type Identity = {
  id: string;
  name: string;
  orgId: string;
  orgRole: string;
  hasDeleteProtection: boolean;
  authMethods: string[];
  metadata: { id: string; key: string; value: string }[];
  createdAt: Date;
  updatedAt: Date;
};

const base = (db: Executor) =>
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
      "i.created_at as identity_created_at",
      "i.updated_at as identity_updated_at",
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

const findRowInOrg = (db: Executor, identityId: string, orgId: string) =>
  base(db).where("om.identity_id", "=", identityId).where("om.org_id", "=", orgId).executeTakeFirst();

export async function findInOrg(db: Executor, identityId: string, orgId: string): Promise<OrgIdentity | undefined> {
  const row = await findRowInOrg(db, identityId, orgId);
  return row ? toOrgIdentity(row) : undefined;
}

/** The identity with its membership in `orgId`; undefined when it has none there. */
export async function findIdentityInOrg(db: Executor, identityId: string, orgId: string): Promise<Identity | undefined> {
  const row = await findRowInOrg(db, identityId, orgId);
  if (!row) return undefined;
  return {
    id: row.identity_id!,
    name: row.name,
    orgId: row.org_id,
    orgRole: row.role,
    hasDeleteProtection: row.has_delete_protection,
    authMethods: authMethodsOf(row),
    metadata: await listMetadata(db, identityId),
    createdAt: row.identity_created_at,
    updatedAt: row.identity_updated_at,
  };
}

/** The organization's identities, by name. */
export async function listInOrg(db: Executor, orgId: string): Promise<OrgIdentity[]> {
  const rows = await base(db).where("om.org_id", "=", orgId).orderBy("i.name").orderBy("i.id").execute();
  return rows.map(toOrgIdentity);
}

export async function listMetadata(db: Executor, identityId: string): Promise<{ id: string; key: string; value: string }[]> {
  return db.selectFrom("resource_metadata").select(["id", "key", "value"]).where("identity_id", "=", identityId).orderBy("position").execute();
}

export async function insertIdentity(db: Executor, input: { name: string; hasDeleteProtection: boolean }): Promise<{ id: string }> {
  return db
    .insertInto("identities")
    .values({ name: input.name, has_delete_protection: input.hasDeleteProtection })
    .returning("id")
    .executeTakeFirstOrThrow();
}

export async function insertOrgMembership(db: Executor, input: { orgId: string; identityId: string; role: string }): Promise<void> {
  await db.insertInto("org_memberships").values({ org_id: input.orgId, identity_id: input.identityId, role: input.role }).execute();
}

export async function insertMetadata(db: Executor, orgId: string, identityId: string, metadata: { key: string; value: string }[]): Promise<void> {
  if (metadata.length === 0) return;
  await db
    .insertInto("resource_metadata")
    .values(metadata.map((m, position) => ({ org_id: orgId, identity_id: identityId, key: m.key, value: m.value, position })))
    .execute();
}

/** The identity row, locked until the transaction ends; undefined when it is gone. */
export async function lockIdentity(db: Executor, identityId: string): Promise<{ id: string } | undefined> {
  return db.selectFrom("identities").select("id").where("id", "=", identityId).forUpdate().executeTakeFirst();
}

export async function updateIdentity(db: Executor, identityId: string, patch: { name?: string; hasDeleteProtection?: boolean }): Promise<void> {
  if (patch.name === undefined && patch.hasDeleteProtection === undefined) return;
  await db
    .updateTable("identities")
    .set({ name: patch.name, has_delete_protection: patch.hasDeleteProtection })
    .where("id", "=", identityId)
    .execute();
}

export async function setOrgRole(db: Executor, identityId: string, orgId: string, role: string): Promise<void> {
  await db.updateTable("org_memberships").set({ role }).where("identity_id", "=", identityId).where("org_id", "=", orgId).execute();
}

export async function replaceMetadata(db: Executor, orgId: string, identityId: string, metadata: { key: string; value: string }[]): Promise<void> {
  await db.deleteFrom("resource_metadata").where("identity_id", "=", identityId).execute();
  await insertMetadata(db, orgId, identityId, metadata);
}

/** Its token rows, Universal Auth, org and project memberships and metadata cascade. */
export async function deleteIdentity(db: Executor, identityId: string): Promise<boolean> {
  const result = await db.deleteFrom("identities").where("id", "=", identityId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
