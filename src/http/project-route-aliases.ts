import type { FastifyInstance, RouteOptions } from "fastify";

// Infisical serves its project routes under `/api/v1/projects/...` next to the older
// `/workspace/...` paths (its v1 router registers the same handlers under both prefixes; the
// `/workspace` ones are the deprecated set). Each pair below is one route we serve, with
// Infisical's current path for it; the alias is the same route (schema, auth, handler) at the
// second path, so the two can never drift apart.
export const PROJECT_ROUTE_ALIASES: ReadonlyArray<readonly [workspacePath: string, projectsPath: string]> = [
  ["/api/v1/workspace", "/api/v1/projects"],
  ["/api/v1/workspace/:projectId", "/api/v1/projects/:projectId"],
  ["/api/v1/workspace/:projectId/environments", "/api/v1/projects/:projectId/environments"],
  ["/api/v1/workspace/:projectId/environments/:envId", "/api/v1/projects/:projectId/environments/:envId"],
  ["/api/v1/workspace/:projectId/environments/:id", "/api/v1/projects/:projectId/environments/:id"],
  ["/api/v2/workspace/:projectId/roles", "/api/v1/projects/:projectId/roles"],
  ["/api/v2/workspace/:projectId/roles/:roleId", "/api/v1/projects/:projectId/roles/:roleId"],
  ["/api/v2/workspace/:projectId/roles/slug/:roleSlug", "/api/v1/projects/:projectId/roles/slug/:roleSlug"],
  ["/api/v2/workspace/:projectId/identity-memberships", "/api/v1/projects/:projectId/identity-memberships"],
  ["/api/v2/workspace/:projectId/identity-memberships/:identityId", "/api/v1/projects/:projectId/identity-memberships/:identityId"],
];

const aliasOf = new Map(PROJECT_ROUTE_ALIASES);

/** Call before the routes are registered: each listed route is registered again at its alias. */
export function registerProjectRouteAliases(app: FastifyInstance): void {
  app.addHook("onRoute", function (route: RouteOptions & { config?: { aliasOf?: string } }) {
    const alias = aliasOf.get(route.url);
    // HEAD routes come with their GET; an alias being registered is not aliased again.
    if (!alias || route.method === "HEAD" || route.config?.aliasOf) return;
    const { path: _path, prefix: _prefix, routePath: _routePath, ...options } = route as RouteOptions & Record<string, unknown>;
    this.route({ ...options, url: alias, config: { ...route.config, aliasOf: route.url } } as RouteOptions);
  });
}
