import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { envelope } from "../../support/envelope.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildAppWithProject, createCustomRole, createFolder, createIdentityWithToken } from "../../support/factories.js";

// A row deleted between a request's lookup and its insert: the foreign key fails, and the answer is
// the 4xx a later request would get, never a 500. The deletion is placed exactly there by a
// BEFORE INSERT trigger (deterministic; the same FK error a concurrent DELETE causes once its row
// lock is released).

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("delete-races"));
});
afterAll(async () => t.close());

/** Until `drop()`, each insert into `table` first deletes the row its `column` references in `target`. */
async function deleteReferencedBeforeInsert(table: string, column: string, target: string) {
  const fn = sql.raw(`test_race_${table}`);
  await sql`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit(
    `BEGIN DELETE FROM ${target} WHERE id = NEW.${column}; RETURN NEW; END`,
  )}`.execute(t.testDb.db);
  await sql`CREATE TRIGGER ${fn} BEFORE INSERT ON ${sql.table(table)} FOR EACH ROW WHEN (NEW.${sql.raw(column)} IS NOT NULL) EXECUTE FUNCTION ${fn}()`.execute(
    t.testDb.db,
  );
  return async () => {
    await sql`DROP TRIGGER ${fn} ON ${sql.table(table)}`.execute(t.testDb.db);
    await sql`DROP FUNCTION ${fn}()`.execute(t.testDb.db);
  };
}

test("a custom role deleted while a membership is being given it → 404 role not found, no membership", async () => {
  await createCustomRole(t.app, admin.token, projectId, { slug: "vanishing", permissions: [{ subject: "secret-folders", action: ["read"] }] });
  const other = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
  const drop = await deleteReferencedBeforeInsert("identity_project_membership_roles", "custom_role_id", "project_roles");
  try {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v2/workspace/${projectId}/identity-memberships/${other.identityId}`,
      headers: bearer(admin.token),
      payload: { roles: [{ role: "vanishing", isTemporary: false }] },
    });
    expect(response.json()).toEqual(envelope(404, "NotFound", `Specified roles 'vanishing' was not found in the project with ID '${projectId}'`));
  } finally {
    await drop();
  }
  const membership = await t.testDb.db.selectFrom("identity_project_memberships").select("id").where("identity_id", "=", other.identityId).executeTakeFirst();
  expect(membership).toBeUndefined();

  // The same for a role change of an existing membership: its roles stay as they were.
  await createCustomRole(t.app, admin.token, projectId, { slug: "vanishing-2", permissions: [{ subject: "secret-folders", action: ["read"] }] });
  const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
  const dropAgain = await deleteReferencedBeforeInsert("identity_project_membership_roles", "custom_role_id", "project_roles");
  try {
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v2/workspace/${projectId}/identity-memberships/${member.identityId}`,
      headers: bearer(admin.token),
      payload: { roles: [{ role: "vanishing-2", isTemporary: false }] },
    });
    expect(response.json()).toEqual(envelope(404, "NotFound", `Specified roles 'vanishing-2' was not found in the project with ID '${projectId}'`));
  } finally {
    await dropAgain();
  }
  const roles = await t.testDb.db
    .selectFrom("identity_project_membership_roles as r")
    .innerJoin("identity_project_memberships as m", "m.id", "r.membership_id")
    .select("r.role")
    .where("m.identity_id", "=", member.identityId)
    .execute();
  expect(roles).toEqual([{ role: "viewer" }]);
});

test("a folder deleted while a dynamic secret is being created in it → 404 folder not found, nothing stored", async () => {
  await createFolder(t.app, admin.token, { projectId, environment: "dev", path: "/", name: "doomed" });
  const drop = await deleteReferencedBeforeInsert("dynamic_secrets", "folder_id", "secret_folders");
  try {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/dynamic-secrets",
      headers: bearer(admin.token),
      payload: {
        projectSlug: "delete-races",
        environmentSlug: "dev",
        path: "/doomed",
        name: "late-totp",
        provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
        defaultTTL: "1h",
      },
    });
    expect(response.json()).toEqual(envelope(404, "NotFound", "Folder with path '/doomed' in environment 'dev' not found"));
  } finally {
    await drop();
  }
  expect(await t.testDb.db.selectFrom("dynamic_secrets").select("id").where("name", "=", "late-totp").executeTakeFirst()).toBeUndefined();
  expect(
    await t.testDb.db.selectFrom("audit_logs").select("id").where("event_type", "=", "create-dynamic-secret").where("project_id", "=", projectId).executeTakeFirst(),
  ).toBeUndefined();
});
