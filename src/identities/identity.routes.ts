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
      { config: { auth: true }, schema: { tags, body: CreateIdentityBodySchema, response: identityResponse } },
      async (request) => ({ identity: await identityService.createIdentity(request.actor, request.body) }),
    );

    app.get(
      "/api/v1/identities",
      {
        config: { auth: true },
        schema: {
          tags,
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
        schema: { tags, params: IdentityParamsSchema, body: UpdateIdentityBodySchema, response: identityResponse },
      },
      async (request) => ({
        identity: await identityService.updateIdentity(request.actor, requestContextOf(request), request.params.identityId, request.body),
      }),
    );

    app.delete(
      "/api/v1/identities/:identityId",
      { config: { auth: true }, schema: { tags, params: IdentityParamsSchema, response: identityResponse } },
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
