import type { FastifyInstance } from "fastify";

// Fixtures built through the public API, as a client would (auth-and-permissions.md §C harness flow).
// Every helper asserts its own status so a broken step fails where it happens.

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
