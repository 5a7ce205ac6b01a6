import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestContextOf } from "../http/request-context.js";
import {
  CreateIdentityBodySchema,
  IdentityParamsSchema,
  IdentitySchema,
  ListIdentitiesQuerySchema,
  OrgIdentitySchema,
  UpdateIdentityBodySchema,
} from "./identity.schemas.js";
import type { IdentityService } from "./identity.service.js";

// Machine identities of the organization (Infisical's identity router).

const tags = ["identities"];
const identityResponse = { 200: z.object({ identity: IdentitySchema }) };

export function identityRoutes({ identityService }: { identityService: IdentityService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/identities",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Create a machine identity",
          description:
            "Creates a machine identity in the organization with an organization role. Attach Universal Auth to " +
            "let it log in.",
          body: CreateIdentityBodySchema,
          response: identityResponse,
        },
      },
      async (request) => ({ identity: await identityService.createIdentity(request.actor, request.body) }),
    );

    app.get(
      "/api/v1/identities",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "List machine identities",
          description: "Lists the organization's machine identities with their organization roles.",
          querystring: ListIdentitiesQuerySchema,
          response: { 200: z.object({ identities: z.array(OrgIdentitySchema), totalCount: z.number() }) },
        },
      },
      async (request) => {
        const identities = await identityService.listIdentities(request.actor, request.query.orgId);
        return { identities, totalCount: identities.length };
      },
    );

    app.get(
      "/api/v1/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Get a machine identity",
          description: "Reads a machine identity with its organization role and metadata.",
          params: IdentityParamsSchema,
          response: {
            200: z.object({
              identity: OrgIdentitySchema.extend({ metadata: z.array(z.object({ id: z.string(), key: z.string(), value: z.string() })) }),
            }),
          },
        },
      },
      async (request) => ({ identity: await identityService.getIdentity(request.actor, request.params.identityId) }),
    );

    app.patch(
      "/api/v1/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Update a machine identity",
          description: "Renames the identity or changes its organization role or metadata; absent fields are kept.",
          params: IdentityParamsSchema,
          body: UpdateIdentityBodySchema,
          response: identityResponse,
        },
      },
      async (request) => ({
        identity: await identityService.updateIdentity(request.actor, requestContextOf(request), request.params.identityId, request.body),
      }),
    );

    app.delete(
      "/api/v1/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Delete a machine identity",
          description: "Deletes the identity with its auth methods, access tokens and project memberships.",
          params: IdentityParamsSchema,
          response: identityResponse,
        },
      },
      async (request) => ({
        identity: await identityService.deleteIdentity(request.actor, requestContextOf(request), request.params.identityId),
      }),
    );

    app.post(
      "/api/v1/identities/:identityId/revoke-access-tokens",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Revoke all of an identity's access tokens",
          description: "Revokes every access token the identity holds; `revokedCount` says how many.",
          params: IdentityParamsSchema,
          response: { 200: z.object({ message: z.string(), revokedCount: z.number() }) },
        },
      },
      async (request) => ({
        message: "Successfully revoked access tokens",
        revokedCount: await identityService.revokeAccessTokens(request.actor, requestContextOf(request), request.params.identityId),
      }),
    );
  };
}
