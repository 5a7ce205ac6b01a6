import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CreateIdentityBodySchema, IdentitySchema } from "./identity.schemas.js";
import type { IdentityService } from "./identity.service.js";

export function identityRoutes({ identityService }: { identityService: IdentityService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/identities",
      {
        config: { auth: true },
        schema: {
          tags: ["identities"],
          security: [{ bearerAuth: [] }],
          body: CreateIdentityBodySchema,
          response: { 200: z.object({ identity: IdentitySchema }) },
        },
      },
      async (request) => {
        const identity = await identityService.createIdentity(request.actor, request.body);
        return { identity };
      },
    );
  };
}
