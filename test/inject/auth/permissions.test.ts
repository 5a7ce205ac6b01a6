import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "../../../src/lib/actor.js";
import * as tokens from "../../../src/auth/access-token.repository.js";
import * as identities from "../../../src/identities/identity.repository.js";
import { signAccessToken } from "../../../src/auth/token.js";
import { ProjectPermissionDynamicSecretActions as DS, ProjectPermissionSub } from "../../../src/permissions/actions.js";
import { TEST_AUTH_SECRET, type TestApp } from "../../support/app.js";
import { type BootstrappedInstance, buildAppWithProject, createCustomRole, createIdentityWithToken, type MembershipRole } from "../../support/factories.js";

// §F.3–F.8 through the permission service, on real memberships and roles: the checks the
// dynamic-secret routes make, with the subjects of the §F.0 fixture.

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
const EDIT = DS.EditRootCredential;
const READ = DS.ReadRootCredential;

type Secret = { environment: string; secretPath: string; metadata: { key: string; value: string }[] };
const S = {
  root: { environment: "dev", secretPath: "/", metadata: [] },
  app: { environment: "dev", secretPath: "/app", metadata: [{ key: "team", value: "a" }] },
  appB: { environment: "dev", secretPath: "/app", metadata: [{ key: "team", value: "b" }] },
  nometa: { environment: "dev", secretPath: "/app", metadata: [] },
  db: { environment: "dev", secretPath: "/app/db", metadata: [] },
  other: { environment: "dev", secretPath: "/other", metadata: [] },
  stg: { environment: "staging", secretPath: "/app", metadata: [] },
  prod: { environment: "prod", secretPath: "/app", metadata: [] },
} satisfies Record<string, Secret>;

let t: TestApp;
let admin: BootstrappedInstance;
let projectId: string;
let roleCount = 0;

beforeAll(async () => {
  ({ t, admin, project: { id: projectId } } = await buildAppWithProject("ds-proj"));
});
afterAll(async () => t.close());

async function actorOf(token: string): Promise<Actor> {
  return t.container.authService.authenticate({ authorization: `Bearer ${token}`, hasApiKey: false, clientIp: "127.0.0.1" });
}

async function permissionWith(roles: MembershipRole[]) {
  const identity = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles });
  return t.container.permissionService.getProjectPermission(await actorOf(identity.token), projectId);
}

async function permissionWithCustom(permissions: unknown[]) {
  const role = await createCustomRole(t.app, admin.token, projectId, { slug: `custom-${(roleCount += 1)}`, permissions });
  return permissionWith([role.slug]);
}

function denial(fn: () => void) {
  try {
    fn();
  } catch (err) {
    return JSON.parse(JSON.stringify({ status: (err as any).status, error: (err as any).errorField, message: (err as any).message, details: (err as any).details }));
  }
  throw new Error("expected a denial");
}

const PD_EDIT = { status: 403, error: "PermissionDenied", message: "You are not allowed to edit-root-credential on dynamic-secrets" };

describe("F.3 project and membership", () => {
  test("#20 an org identity without project membership → 403 not member, no details", async () => {
    const outsider = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const actor = await actorOf(outsider.token);
    await expect(t.container.permissionService.getProjectPermission(actor, projectId)).rejects.toMatchObject({
      status: 403,
      errorField: "You are not member of this project",
      message: "You are not allowed to access this resource",
      details: undefined,
    });
  });

  test("#21 an org-admin identity that did not create the project is not a member either", async () => {
    const orgAdmin = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, orgRole: "admin" });
    await expect(t.container.permissionService.getProjectPermission(await actorOf(orgAdmin.token), projectId)).rejects.toMatchObject({
      errorField: "You are not member of this project",
    });
  });

  test("#22 unknown slug → 404; project type check → 400", async () => {
    const actor = await actorOf(admin.token);
    await expect(t.container.projectService.getProjectBySlug(actor, "does-not-exist")).rejects.toMatchObject({
      status: 404,
      message: "Project with slug 'does-not-exist' not found",
    });
    const project = await t.container.projectService.getProjectBySlug(actor, "ds-proj");
    expect(project).toMatchObject({ id: projectId, orgId: admin.orgId, slug: "ds-proj", type: "secret-manager" });
    expect(() => t.container.projectService.assertProjectType({ type: "kms" }, "secret-manager")).toThrow(
      "The project is of type kms. Operations of type secret-manager are not allowed.",
    );
    await expect(
      t.container.permissionService.getProjectPermission(actor, projectId, { projectType: "kms" }),
    ).rejects.toMatchObject({ status: 400 });
  });

  test("#23 an identity of another organization sees 404 by slug and 403 by id", async () => {
    const db = t.container.db;
    const org = await db.insertInto("organizations").values({ name: "other", slug: "other-org" }).returning("id").executeTakeFirstOrThrow();
    const identity = await identities.insertIdentity(db, { name: "foreign", hasDeleteProtection: false });
    await identities.insertOrgMembership(db, { orgId: org.id, identityId: identity.id, role: "admin" });
    await tokens.insertTokenAuth(db, identity.id, { ttl: 0, maxTtl: 0, numUsesLimit: 0 });
    const row = await tokens.insertAccessToken(db, {
      identityId: identity.id,
      clientSecretId: null,
      name: "t",
      authMethod: "token-auth",
      ttl: 0,
      maxTtl: 0,
      numUsesLimit: 0,
      period: 0,
    });
    const actor = await actorOf(signAccessToken(TEST_AUTH_SECRET, { identityId: identity.id, identityAccessTokenId: row.id }, 0));
    expect(actor).toEqual({ type: "identity", identityId: identity.id, name: "foreign", orgId: org.id, tokenId: row.id, authMethod: null });
    await expect(t.container.projectService.getProjectBySlug(actor, "ds-proj")).rejects.toMatchObject({
      status: 404,
      message: "Project with slug 'ds-proj' not found",
    });
    await expect(t.container.permissionService.getProjectPermission(actor, projectId)).rejects.toMatchObject({
      status: 403,
      errorField: "This project does not belong to your selected organization.",
    });
  });

  test("membership changes count from the very next check", async () => {
    const identity = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: ["viewer"] });
    const actor = await actorOf(identity.token);
    expect((await t.container.permissionService.getProjectPermission(actor, projectId)).can(EDIT, SUBJECT, S.root)).toBe(false);
    await sql`UPDATE identity_project_membership_roles SET role = 'member'
      WHERE membership_id IN (SELECT id FROM identity_project_memberships WHERE identity_id = ${identity.identityId})`.execute(t.container.db);
    expect((await t.container.permissionService.getProjectPermission(actor, projectId)).can(EDIT, SUBJECT, S.root)).toBe(true);
    await sql`DELETE FROM identity_project_memberships WHERE identity_id = ${identity.identityId}`.execute(t.container.db);
    await expect(t.container.permissionService.getProjectPermission(actor, projectId)).rejects.toMatchObject({ status: 403 });
  });

  test("an edited custom role counts from the very next check", async () => {
    const role = await createCustomRole(t.app, admin.token, projectId, {
      slug: "editable",
      permissions: [{ subject: "dynamic-secrets", action: ["edit-root-credential"], conditions: { environment: "dev" } }],
    });
    const identity = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId, roles: [role.slug] });
    const actor = await actorOf(identity.token);
    expect((await t.container.permissionService.getProjectPermission(actor, projectId)).can(EDIT, SUBJECT, S.prod)).toBe(false);
    await sql`UPDATE project_roles SET permissions = ${JSON.stringify([{ subject: "dynamic-secrets", action: ["edit-root-credential"] }])}::jsonb
      WHERE id = ${role.id}`.execute(t.container.db);
    expect((await t.container.permissionService.getProjectPermission(actor, projectId)).can(EDIT, SUBJECT, S.prod)).toBe(true);
  });
});

describe("F.4 built-in roles", () => {
  test.each([["viewer"], ["no-access"]])("#24/#25 %s → PD(edit), details []", async (role) => {
    const permission = await permissionWith([role]);
    expect(denial(() => permission.assertCan(EDIT, SUBJECT, S.root))).toEqual({ ...PD_EDIT, details: [] });
  });

  test("#26 member may edit and read; #27 the creator (admin) may", async () => {
    const member = await permissionWith(["member"]);
    expect(member.can(EDIT, SUBJECT, S.root)).toBe(true);
    expect(member.can(READ, SUBJECT, S.root)).toBe(true);
    const creator = await t.container.permissionService.getProjectPermission(await actorOf(admin.token), projectId);
    expect(creator.isProjectAdmin).toBe(true);
    expect(creator.roles).toEqual([{ slug: "admin", customRoleId: null, isTemporary: false }]);
    expect(creator.can(EDIT, SUBJECT, S.prod)).toBe(true);
  });

  test("#32 viewer + member: the union", async () => {
    const permission = await permissionWith(["viewer", "member"]);
    expect(permission.can(EDIT, SUBJECT, S.root)).toBe(true);
  });
});

describe("F.5 environment conditions", () => {
  test("#33/#34 $eq dev", async () => {
    const permission = await permissionWithCustom([{ subject: "dynamic-secrets", action: [READ, EDIT], conditions: { environment: { $eq: "dev" } } }]);
    expect(permission.can(EDIT, SUBJECT, S.root)).toBe(true);
    expect(denial(() => permission.assertCan(EDIT, SUBJECT, S.prod))).toEqual({
      ...PD_EDIT,
      details: [{ action: [READ, EDIT], inverted: false, subject: [SUBJECT], conditions: { environment: { $eq: "dev" } } }],
    });
  });

  test("#35 plain string", async () => {
    const permission = await permissionWithCustom([{ subject: "dynamic-secrets", action: [EDIT], conditions: { environment: "dev" } }]);
    expect(denial(() => permission.assertCan(EDIT, SUBJECT, S.prod)).details).toEqual([
      { action: [EDIT], inverted: false, subject: [SUBJECT], conditions: { environment: "dev" } },
    ]);
  });

  test.each([
    [{ $in: ["dev", "staging"] }, S.stg, S.prod],
    [{ $ne: "prod" }, S.root, S.prod],
    [{ $glob: "d*" }, S.root, S.stg],
  ])("#36–#38 environment %j", async (environment, allowed, denied) => {
    const permission = await permissionWithCustom([{ subject: "dynamic-secrets", action: [EDIT], conditions: { environment } }]);
    expect(permission.can(EDIT, SUBJECT, allowed)).toBe(true);
    expect(permission.can(EDIT, SUBJECT, denied)).toBe(false);
  });
});

describe("F.6 secretPath conditions", () => {
  test("#39 /app/**", async () => {
    const permission = await permissionWithCustom([{ subject: "dynamic-secrets", action: [EDIT], conditions: { secretPath: { $glob: "/app/**" } } }]);
    expect([S.app, S.db, S.root, S.other].map((s) => permission.can(EDIT, SUBJECT, s))).toEqual([true, true, false, false]);
  });

  test("#40 /app/*; #41 $eq /app", async () => {
    const star = await permissionWithCustom([{ subject: "dynamic-secrets", action: [EDIT], conditions: { secretPath: { $glob: "/app/*" } } }]);
    expect([S.db, S.app].map((s) => star.can(EDIT, SUBJECT, s))).toEqual([true, false]);
    const eq = await permissionWithCustom([{ subject: "dynamic-secrets", action: [EDIT], conditions: { secretPath: { $eq: "/app" } } }]);
    expect([S.app, S.db].map((s) => eq.can(EDIT, SUBJECT, s))).toEqual([true, false]);
  });

  test("#42 AND within a rule; #43 OR across rules", async () => {
    const and = await permissionWithCustom([
      { subject: "dynamic-secrets", action: [EDIT], conditions: { environment: "dev", secretPath: { $glob: "/app/**" } } },
    ]);
    expect(and.can(EDIT, SUBJECT, S.prod)).toBe(false);
    const or = await permissionWithCustom([
      { subject: "dynamic-secrets", action: [EDIT], conditions: { environment: "dev", secretPath: "/other" } },
      { subject: "dynamic-secrets", action: [EDIT], conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } },
    ]);
    expect([S.other, S.prod, S.app].map((s) => or.can(EDIT, SUBJECT, s))).toEqual([true, true, false]);
  });
});

describe("F.7 metadata conditions", () => {
  const teamA = { metadata: { $elemMatch: { key: { $eq: "team" }, value: { $eq: "a" } } } };

  test("#45–#50 team=a", async () => {
    const permission = await permissionWithCustom([{ subject: "dynamic-secrets", action: [READ, EDIT], conditions: teamA }]);
    expect(permission.can(EDIT, SUBJECT, S.app)).toBe(true);
    expect(permission.can(READ, SUBJECT, S.app)).toBe(true);
    expect(denial(() => permission.assertCan(EDIT, SUBJECT, S.appB))).toEqual({
      ...PD_EDIT,
      details: [{ action: [READ, EDIT], inverted: false, subject: [SUBJECT], conditions: teamA }],
    });
    expect(permission.can(EDIT, SUBJECT, S.nometa)).toBe(false);
    // The second check of a PATCH runs on the proposed metadata.
    expect(permission.can(EDIT, SUBJECT, { ...S.app, metadata: [{ key: "team", value: "b" }] })).toBe(false);
    expect(permission.can(EDIT, SUBJECT, { ...S.app, metadata: [] })).toBe(false);
    expect(permission.can(EDIT, SUBJECT, { ...S.app, metadata: [{ key: "team", value: "a" }, { key: "tier", value: "1" }] })).toBe(true);
  });

  test("#51 key-only match", async () => {
    const permission = await permissionWithCustom([
      { subject: "dynamic-secrets", action: [READ, EDIT], conditions: { metadata: { $elemMatch: { key: { $eq: "team" } } } } },
    ]);
    expect(permission.can(EDIT, SUBJECT, S.appB)).toBe(true);
  });
});

describe("F.8 action granularity, inverted rules, temporary access", () => {
  test("#52 edit without read; #53 read only; #54 the other actions", async () => {
    const editOnly = await permissionWithCustom([{ subject: "dynamic-secrets", action: [EDIT] }]);
    expect(editOnly.can(EDIT, SUBJECT, S.root)).toBe(true);
    expect(editOnly.can(READ, SUBJECT, S.root)).toBe(false);
    const readOnly = await permissionWithCustom([{ subject: "dynamic-secrets", action: [READ] }]);
    expect(readOnly.can(EDIT, SUBJECT, S.root)).toBe(false);
    const others = await permissionWithCustom([
      { subject: "dynamic-secrets", action: [DS.CreateRootCredential, DS.DeleteRootCredential, DS.Lease] },
    ]);
    expect(denial(() => others.assertCan(EDIT, SUBJECT, S.root))).toEqual({ ...PD_EDIT, details: [] });
  });

  test("#55 allow all, then inverted prod: details list the inverted rule first", async () => {
    const permission = await permissionWithCustom([
      { subject: "dynamic-secrets", action: [READ, EDIT] },
      { subject: "dynamic-secrets", action: [EDIT], inverted: true, conditions: { environment: "prod" } },
    ]);
    expect(permission.can(EDIT, SUBJECT, S.root)).toBe(true);
    expect(denial(() => permission.assertCan(EDIT, SUBJECT, S.prod))).toEqual({
      ...PD_EDIT,
      details: [
        { action: [EDIT], inverted: true, subject: [SUBJECT], conditions: { environment: "prod" } },
        { action: [READ, EDIT], inverted: false, subject: [SUBJECT] },
      ],
    });
  });

  test.each([
    ["1h", false],
    ["3h", true],
  ])("#56/#57 temporary member started 2h ago for %s → can edit: %s", async (range, expected) => {
    const start = new Date(Date.now() - 2 * 3600_000).toISOString();
    const permission = await permissionWith([
      "no-access",
      { role: "member", isTemporary: true, temporaryMode: "relative", temporaryRange: range, temporaryAccessStartTime: start },
    ]);
    expect(permission.can(EDIT, SUBJECT, S.root)).toBe(expected);
    expect(permission.roles.map((r) => r.slug)).toEqual(expected ? ["no-access", "member"] : ["no-access"]);
  });
});

describe("organization level", () => {
  test("#65 org no-access may not read org audit logs; org admin may", async () => {
    const weak = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const weakOrg = await t.container.permissionService.getOrgPermission(await actorOf(weak.token));
    expect(denial(() => weakOrg.assertCan("read", "audit-logs"))).toEqual({
      status: 403,
      error: "PermissionDenied",
      message: "You are not allowed to read on audit-logs",
      details: [],
    });
    const adminOrg = await t.container.permissionService.getOrgPermission(await actorOf(admin.token));
    expect(adminOrg.can("read", "audit-logs")).toBe(true);
    expect(adminOrg.role).toBe("admin");
  });

  test("naming another organization → 403", async () => {
    await expect(
      t.container.permissionService.getOrgPermission(await actorOf(admin.token), "00000000-0000-4000-8000-000000000000"),
    ).rejects.toMatchObject({ status: 403, errorField: "You are not allowed to access organization resource" });
  });
});
