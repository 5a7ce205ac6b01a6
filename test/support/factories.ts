import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import * as tokens from "../../src/auth/access-token.repository.js";
import { signAccessToken } from "../../src/auth/token.js";
import * as identities from "../../src/identities/identity.repository.js";
import type { Database } from "../../src/db/database.js";
import type { Actor } from "../../src/lib/actor.js";
import * as memberships from "../../src/projects/membership.repository.js";
import type { NewMembershipRole } from "../../src/projects/membership.repository.js";
import { buildTestApp, type TestApp, type TestAppOptions } from "./app.js";

// The tests' fixtures, in one family. Two ways in:
// - through the public API, as a client would (auth-and-permissions.md §C harness flow):
//   bootstrapInstance, createProject, createFolder, createCustomRole, createIdentityWithToken,
//   createDynamicSecret;
// - through our own repositories and services, for suites whose subject lies elsewhere (no round
//   trips): createIdentity, createFixture (its folders over the API), createMember.
// Every helper checks its own status and throws, so a broken step fails where it happens.

type Json = Record<string, any>;

export const ADMIN_EMAIL = "admin@example.com";
export const ADMIN_PASSWORD = "correct horse battery staple";

async function post(app: FastifyInstance, url: string, token: string | undefined, payload: unknown): Promise<Json> {
  const response = await app.inject({
    method: "POST",
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    payload: payload as Json,
  });
  if (response.statusCode !== 200) {
    throw new Error(`POST ${url} → ${response.statusCode}: ${response.body}`);
  }
  return response.json();
}

export type BootstrappedInstance = { token: string; orgId: string; identityId: string };

/** POST /api/v1/admin/bootstrap on a fresh database → the instance admin's token (org admin). */
export async function bootstrapInstance(
  app: FastifyInstance,
  input: { email?: string; password?: string; organization?: string } = {},
): Promise<BootstrappedInstance> {
  const body = await post(app, "/api/v1/admin/bootstrap", undefined, {
    email: input.email ?? ADMIN_EMAIL,
    password: input.password ?? ADMIN_PASSWORD,
    organization: input.organization ?? "acme",
  });
  return { token: body.identity.credentials.token, orgId: body.organization.id, identityId: body.identity.id };
}

export type BootstrappedApp = { t: TestApp; admin: BootstrappedInstance };

/** A test app on its own database with the instance bootstrapped (the admin is org admin). */
export async function buildBootstrappedApp(options: TestAppOptions = {}): Promise<BootstrappedApp> {
  const t = await buildTestApp(options);
  return { t, admin: await bootstrapInstance(t.app) };
}

/** buildBootstrappedApp plus one project of the admin's, `slug` (dev, staging, prod). */
export async function buildAppWithProject(
  slug: string,
  options: TestAppOptions = {},
): Promise<BootstrappedApp & { project: { id: string; slug: string } }> {
  const { t, admin } = await buildBootstrappedApp(options);
  return { t, admin, project: await createProject(t.app, admin.token, { slug }) };
}

/** POST /api/v2/workspace → the creator is project admin; envs dev, staging, prod exist. */
export async function createProject(
  app: FastifyInstance,
  token: string,
  input: { name?: string; slug?: string } = {},
): Promise<{ id: string; slug: string }> {
  const body = await post(app, "/api/v2/workspace", token, {
    projectName: input.name ?? input.slug ?? "ds-proj",
    ...(input.slug ? { slug: input.slug } : {}),
  });
  return { id: body.project.id, slug: body.project.slug };
}

/** POST /api/v1/folders: `name` under `path` (missing parents are created). */
export async function createFolder(
  app: FastifyInstance,
  token: string,
  input: { projectId: string; environment: string; path: string; name: string },
): Promise<{ id: string }> {
  const body = await post(app, "/api/v1/folders", token, {
    workspaceId: input.projectId,
    environment: input.environment,
    path: input.path,
    name: input.name,
  });
  return { id: body.folder.id };
}

/** POST /api/v2/workspace/:projectId/roles with v2 permissions. */
export async function createCustomRole(
  app: FastifyInstance,
  token: string,
  projectId: string,
  input: { slug: string; name?: string; permissions: unknown[] },
): Promise<{ id: string; slug: string }> {
  const body = await post(app, `/api/v2/workspace/${projectId}/roles`, token, {
    slug: input.slug,
    name: input.name ?? input.slug,
    permissions: input.permissions,
  });
  return { id: body.role.id, slug: body.role.slug };
}

export type MembershipRole =
  | string
  | { role: string; isTemporary?: boolean; temporaryMode?: "relative"; temporaryRange?: string; temporaryAccessStartTime?: string };

export type IdentityWithToken = { identityId: string; token: string; clientId: string; clientSecret: string };

/**
 * A machine identity (org role `no-access` unless `orgRole`), Universal Auth attached with
 * `lockoutEnabled: false` (plus `universalAuth` overrides), one client secret, optionally a project
 * membership with `roles`, and a fresh access token from the login route.
 */
export async function createIdentityWithToken(
  app: FastifyInstance,
  adminToken: string,
  input: {
    orgId: string;
    projectId?: string;
    roles?: MembershipRole[];
    name?: string;
    orgRole?: string;
    universalAuth?: Record<string, unknown>;
  },
): Promise<IdentityWithToken> {
  const identity = await post(app, "/api/v1/identities", adminToken, {
    name: input.name ?? `identity-${Math.random().toString(36).slice(2, 10)}`,
    organizationId: input.orgId,
    ...(input.orgRole ? { role: input.orgRole } : {}),
  });
  const identityId: string = identity.identity.id;
  const ua = await post(app, `/api/v1/auth/universal-auth/identities/${identityId}`, adminToken, {
    lockoutEnabled: false,
    ...input.universalAuth,
  });
  const secret = await post(app, `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`, adminToken, {});
  if (input.projectId) {
    const roles = (input.roles ?? ["no-access"]).map((role) => (typeof role === "string" ? { role, isTemporary: false } : role));
    await post(app, `/api/v2/workspace/${input.projectId}/identity-memberships/${identityId}`, adminToken, { roles });
  }
  const clientId: string = ua.identityUniversalAuth.clientId;
  const clientSecret: string = secret.clientSecret;
  const login = await post(app, "/api/v1/auth/universal-auth/login", undefined, { clientId, clientSecret });
  return { identityId, token: login.accessToken, clientId, clientSecret };
}

/** Authorization header for app.inject. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** app.inject as `token`, with a JSON body when one is given. */
export const injectAs = (app: FastifyInstance, token: string, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) =>
  app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

/** A well-formed id that no row has. */
export const MISSING = "00000000-0000-4000-8000-000000000000";

export type TestIdentity = { id: string; name: string; token: string; actor: Actor; orgId: string };

export const suffix = () => randomBytes(3).toString("hex");

/** An identity in the org with a token-auth access token (no expiry), through the repositories. */
export async function createIdentity(t: TestApp, orgId: string, name: string, orgRole = "no-access"): Promise<TestIdentity> {
  const identity = await identities.insertIdentity(t.testDb.db, { name, hasDeleteProtection: false });
  await identities.insertOrgMembership(t.testDb.db, { orgId, identityId: identity.id, role: orgRole });
  await tokens.insertTokenAuth(t.testDb.db, identity.id, { ttl: 0, maxTtl: 0, numUsesLimit: 0 });
  const row = await tokens.insertAccessToken(t.testDb.db, {
    identityId: identity.id,
    clientSecretId: null,
    name: null,
    authMethod: "token-auth",
    ttl: 0,
    maxTtl: 0,
    numUsesLimit: 0,
    period: 0,
  });
  const token = signAccessToken(t.config.authSecret, { identityId: identity.id, identityAccessTokenId: row.id }, 0);
  return { id: identity.id, name, token, orgId, actor: { type: "identity", identityId: identity.id, name, orgId, tokenId: row.id, authMethod: null } };
}

/** An organization and a project `slug` as bare rows (no environments, no members), for suites on a raw database. */
export async function insertProjectRow(db: Kysely<Database>, slug = "p"): Promise<{ id: string }> {
  const org = await db.insertInto("organizations").values({ name: slug, slug }).returning("id").executeTakeFirstOrThrow();
  return db.insertInto("projects").values({ org_id: org.id, name: slug, slug, description: null }).returning("id").executeTakeFirstOrThrow();
}

export type Fixture = {
  orgId: string;
  admin: TestIdentity;
  project: { id: string; slug: string; name: string };
};

/**
 * Organization, org-admin identity, project `slug` (dev/staging/prod) created by that admin, then
 * `folders` ("env:/parent/name", e.g. "dev:/app/db") created by the admin through the API in order.
 */
export async function createFixture(t: TestApp, slug = `proj-${suffix()}`, options: { folders?: string[] } = {}): Promise<Fixture> {
  const org = await t.testDb.db.insertInto("organizations").values({ name: `org ${slug}`, slug: `org-${slug}` }).returning("id").executeTakeFirstOrThrow();
  const admin = await createIdentity(t, org.id, `admin-${slug}`, "admin");
  const project = await t.container.projectService.createProject(admin.actor, {
    projectName: slug,
    slug,
    type: "secret-manager",
    template: "default",
    shouldCreateDefaultEnvs: true,
    hasDeleteProtection: false,
  });
  for (const folder of options.folders ?? []) {
    const [, environment, parent, name] = /^([^:]+):(.*)\/([^/]+)$/.exec(folder) ?? [];
    if (!environment || parent === undefined || !name) throw new Error(`folder "${folder}" is not "env:/parent/name"`);
    await createFolder(t.app, admin.token, { projectId: project.id, environment, path: parent || "/", name });
  }
  return { orgId: org.id, admin, project: { id: project.id, slug: project.slug, name: project.name } };
}

const permanent = (role: string, customRoleId: string | null = null): NewMembershipRole => ({
  role,
  customRoleId,
  isTemporary: false,
  temporaryMode: null,
  temporaryRange: null,
  temporaryAccessStartTime: null,
  temporaryAccessEndTime: null,
});

/** A project member with built-in roles and/or custom roles (v2 rules), through the repositories. */
export async function createMember(
  t: TestApp,
  f: Fixture,
  name: string,
  roles: { builtIn?: string[]; custom?: { subject: string; action: string[]; inverted?: boolean; conditions?: Record<string, unknown> }[][] },
): Promise<TestIdentity> {
  const identity = await createIdentity(t, f.orgId, `${name}-${suffix()}`);
  const membershipRoles: NewMembershipRole[] = (roles.builtIn ?? []).map((r) => permanent(r));
  for (const rules of roles.custom ?? []) {
    const role = await t.testDb.db
      .insertInto("project_roles")
      .values({ project_id: f.project.id, name: `role ${suffix()}`, slug: `role-${suffix()}`, description: null, permissions: JSON.stringify(rules) })
      .returning("id")
      .executeTakeFirstOrThrow();
    membershipRoles.push(permanent("custom", role.id));
  }
  await t.testDb.db.transaction().execute((trx) => memberships.insertMembership(trx, f.project.id, identity.id, membershipRoles));
  return identity;
}

export const TOTP_INPUTS = { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } as const;
export const SQL_INPUTS = { host: "db.internal", port: 5432, username: "admin", password: "pw", database: "app" } as const;

export const auth = (identity: TestIdentity) => bearer(identity.token);

/** POST /api/v1/dynamic-secrets through the API (a TOTP secret in dev:/ unless told otherwise). */
export async function createDynamicSecret(
  t: TestApp,
  f: Fixture,
  name: string,
  options: {
    environmentSlug?: string;
    path?: string;
    provider?: { type: string; inputs: unknown };
    defaultTTL?: string;
    maxTTL?: string | null;
    metadata?: { key: string; value?: string }[];
    usernameTemplate?: string | null;
    as?: TestIdentity;
  } = {},
) {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/v1/dynamic-secrets",
    headers: auth(options.as ?? f.admin),
    payload: {
      projectSlug: f.project.slug,
      environmentSlug: options.environmentSlug ?? "dev",
      path: options.path ?? "/",
      name,
      provider: options.provider ?? { type: "totp", inputs: TOTP_INPUTS },
      defaultTTL: options.defaultTTL ?? "1h",
      ...(options.maxTTL !== undefined ? { maxTTL: options.maxTTL } : { maxTTL: "24h" }),
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(options.usernameTemplate !== undefined ? { usernameTemplate: options.usernameTemplate } : {}),
    },
  });
  if (res.statusCode !== 200) throw new Error(`create ${name} failed: ${res.statusCode} ${res.body}`);
  return res.json().dynamicSecret as Record<string, any>;
}

export type PatchOptions = {
  as?: TestIdentity;
  projectSlug?: string;
  environmentSlug?: string;
  path?: string;
  headers?: Record<string, string>;
};

/** The standard Infisical PATCH body around `data`. */
export function patchBody(f: Fixture, data: unknown, o: PatchOptions = {}) {
  return {
    projectSlug: o.projectSlug ?? f.project.slug,
    environmentSlug: o.environmentSlug ?? "dev",
    ...("path" in o ? { path: o.path } : { path: "/" }),
    data,
  };
}
