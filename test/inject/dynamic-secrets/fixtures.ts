import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Actor } from "../../../src/lib/actor.js";
import * as tokens from "../../../src/auth/access-token.repository.js";
import * as identities from "../../../src/identities/identity.repository.js";
import { signAccessToken } from "../../../src/auth/token.js";
import { bearer } from "../../support/factories.js";
import type { Config } from "../../../src/config.js";
import type { Container } from "../../../src/container.js";
import { defineProvider, type DynamicSecretProvider } from "../../../src/dynamic-secrets/providers/provider.js";
import { builtinProviders, createProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";
import { BadRequestError } from "../../../src/lib/errors.js";
import * as memberships from "../../../src/projects/membership.repository.js";
import type { NewMembershipRole } from "../../../src/projects/membership.repository.js";
import { z } from "zod";
import { canonicalJson } from "../../../src/dynamic-secrets/patch.js";
import { buildTestApp } from "../../support/app.js";
import { createTestDb, type TestDb } from "../../support/db.js";

// Fixtures of the dynamic-secret suites: the real app on this file's database, with the built-in
// providers plus one fake for a third-party system ("fake-sql": its connection test is recorded
// and fails for host "down"), and identities/projects/roles created through our own repositories.

export type ConnectionCall = { host: unknown; password: unknown };

export function createFakeSqlProvider(calls: ConnectionCall[]): DynamicSecretProvider {
  return defineProvider({
    type: "fake-sql",
    inputsSchema: z.object({
      host: z.string().trim().min(1),
      port: z.number().default(5432),
      username: z.string().min(1),
      password: z.string(),
      database: z.string().default("app"),
      ca: z.string().optional(),
      options: z.object({ ssl: z.boolean(), mode: z.string().optional() }).optional(),
      clientAuth: z.object({ clientId: z.string(), clientSecret: z.string() }).optional(),
    }),
    secretFields: ["clientAuth.clientSecret"],
    sensitiveFields: ["password", "clientAuth.clientSecret"],
    async validateConnection(inputs) {
      calls.push({ host: inputs.host, password: inputs.password });
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (inputs.host === "down") throw new BadRequestError("Failed to connect with provider: connect ECONNREFUSED");
    },
  });
}

/**
 * "fake-kv": any string/number keys; its connection test records the exact inputs it tested and
 * takes a little while, so concurrent requests interleave.
 */
export function createFakeKvProvider(tested: string[]): DynamicSecretProvider {
  return defineProvider({
    type: "fake-kv",
    inputsSchema: z.record(z.string(), z.union([z.string(), z.number()])),
    secretFields: [],
    async validateConnection(inputs) {
      tested.push(canonicalJson(inputs));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    },
  });
}

export type DsTestApp = {
  app: FastifyInstance;
  container: Container;
  config: Config;
  testDb: TestDb;
  connectionCalls: ConnectionCall[];
  /** Canonical JSON of every inputs object the fake-kv provider tested. */
  testedKv: string[];
  close: () => Promise<void>;
};

/**
 * `shared`: a second app (another "process") on the database of the first.
 * `captureLogs`: collect every log line (see buildTestApp).
 */
export async function buildDsTestApp(
  env: Record<string, string> = {},
  shared?: DsTestApp,
  captureLogs?: (line: string) => void,
): Promise<DsTestApp> {
  const testDb = shared?.testDb ?? (await createTestDb());
  const connectionCalls: ConnectionCall[] = shared?.connectionCalls ?? [];
  const testedKv: string[] = shared?.testedKv ?? [];
  const providers = createProviderRegistry([...builtinProviders, createFakeSqlProvider(connectionCalls), createFakeKvProvider(testedKv)]);
  const built = await buildTestApp({ env, testDb, providers, captureLogs });
  return {
    ...built,
    connectionCalls,
    testedKv,
    close: async () => {
      await built.app.close();
      if (!shared) await testDb.destroy();
    },
  };
}

export type TestIdentity = { id: string; name: string; token: string; actor: Actor; orgId: string };

const suffix = () => randomBytes(3).toString("hex");

/** An identity in the org with an access token (no expiry). */
export async function createIdentity(t: DsTestApp, orgId: string, name: string, orgRole = "no-access"): Promise<TestIdentity> {
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

export type Fixture = {
  orgId: string;
  admin: TestIdentity;
  project: { id: string; slug: string; name: string };
};

/** Organization, org-admin identity, project `slug` (dev/staging/prod) created by that admin. */
export async function createFixture(t: DsTestApp, slug = `proj-${suffix()}`): Promise<Fixture> {
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

/** A project member with built-in roles and/or custom roles (v2 rules). */
export async function createMember(
  t: DsTestApp,
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

/** POST /api/v1/dynamic-secrets through the API; throws unless 200. */
export async function createDynamicSecret(
  t: DsTestApp,
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

/** The standard Infisical body around `data`. */
export function patchBody(f: Fixture, data: unknown, o: PatchOptions = {}) {
  return {
    projectSlug: o.projectSlug ?? f.project.slug,
    environmentSlug: o.environmentSlug ?? "dev",
    ...("path" in o ? { path: o.path } : { path: "/" }),
    data,
  };
}
