import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { MembershipService } from "./membership.service.js";
import { ProjectIdParamsSchema } from "./project.schemas.js";
import { CreateMembershipBodySchema, CreateRoleBodySchema, MembershipParamsSchema, MembershipSchema, RoleSchema } from "./role.schemas.js";
import type { RoleService } from "./role.service.js";

// Custom roles and identity memberships of a project (auth-and-permissions.md §C.6, §C.7).

const security = [{ bearerAuth: [] }];

export function roleRoutes({
  roleService,
  membershipService,
}: {
  roleService: RoleService;
  membershipService: MembershipService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v2/workspace/:projectId/roles",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          security,
          params: ProjectIdParamsSchema,
          body: CreateRoleBodySchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => ({ role: await roleService.createRole(request.actor, request.params.projectId, request.body) }),
    );

    app.post(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          security,
          params: MembershipParamsSchema,
          body: CreateMembershipBodySchema.default({}),
          response: { 200: z.object({ identityMembership: MembershipSchema }) },
        },
      },
      async (request) => ({
        identityMembership: await membershipService.createIdentityMembership(
          request.actor,
          request.params.projectId,
          request.params.identityId,
          request.body,
        ),
      }),
    );
  };
}
