import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CreatePrivilegeBodySchema, PrivilegeSchema } from "./privilege.schemas.js";
import type { PrivilegeService } from "./privilege.service.js";

// Additional privileges: extra permission rules granted to one identity in one project.

export function privilegeRoutes({ privilegeService }: { privilegeService: PrivilegeService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v2/identity-project-additional-privilege",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "Grant an identity an additional privilege",
          description: "Gives an identity extra permissions in a project beyond its roles, permanent or temporary.",
          body: CreatePrivilegeBodySchema,
          response: { 200: z.object({ privilege: PrivilegeSchema }) },
        },
      },
      async (request) => ({ privilege: await privilegeService.createPrivilege(request.actor, request.body) }),
    );
  };
}
