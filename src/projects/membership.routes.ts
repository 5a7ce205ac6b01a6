import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  CreateMembershipBodySchema,
  MembershipParamsSchema,
  MembershipSchema,
  MembershipWithIdentitySchema,
  UpdateMembershipBodySchema,
} from "./membership.schemas.js";
import type { MembershipService } from "./membership.service.js";
import { ProjectIdParamsSchema } from "./project.schemas.js";

// Identity memberships of a project: list, get, add, change roles, remove.

export function membershipRoutes({ membershipService }: { membershipService: MembershipService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v2/workspace/:projectId/identity-memberships",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          summary: "List the project's identity memberships",
          description: "Lists the identities that are members of the project, with their roles.",
          params: ProjectIdParamsSchema,
          response: { 200: z.object({ identityMemberships: z.array(MembershipWithIdentitySchema) }) },
        },
      },
      async (request) => ({
        identityMemberships: await membershipService.listIdentityMemberships(request.actor, request.params.projectId),
      }),
    );

    app.get(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          summary: "Get an identity's project membership",
          description: "Reads one identity's membership of the project, with its roles.",
          params: MembershipParamsSchema,
          response: { 200: z.object({ identityMembership: MembershipWithIdentitySchema }) },
        },
      },
      async (request) => ({
        identityMembership: await membershipService.getIdentityMembership(request.actor, request.params.projectId, request.params.identityId),
      }),
    );

    app.post(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          summary: "Add an identity to a project",
          description:
            "Makes the identity a member of the project with the given roles (default: no access), each permanent " +
            "or temporary.",
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

    app.patch(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          summary: "Change an identity's project roles",
          description: "Replaces the identity's roles in the project (each permanent or temporary).",
          params: MembershipParamsSchema,
          body: UpdateMembershipBodySchema,
          response: { 200: z.object({ roles: MembershipSchema.shape.roles }) },
        },
      },
      async (request) => {
        const { projectId, identityId } = request.params;
        const membership = await membershipService.updateIdentityMembership(request.actor, projectId, identityId, request.body.roles);
        return { roles: membership.roles };
      },
    );

    app.delete(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          summary: "Remove an identity from a project",
          description: "Removes the identity's membership of the project and its roles there.",
          params: MembershipParamsSchema,
          response: { 200: z.object({ identityMembership: MembershipSchema }) },
        },
      },
      async (request) => ({
        identityMembership: await membershipService.deleteIdentityMembership(
          request.actor,
          request.params.projectId,
          request.params.identityId,
        ),
      }),
    );
  };
}
