import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { BootstrapService } from "./bootstrap.service.js";

// POST /api/v1/admin/bootstrap (public, works once).

const BootstrapBodySchema = z.object({
  email: z.string().trim().pipe(z.email()),
  password: z.string().min(1),
  organization: z.string().trim().min(1),
});

const BootstrapResponseSchema = z.object({
  message: z.string(),
  user: z.object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    superAdmin: z.boolean(),
  }),
  organization: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  identity: z.object({ id: z.string(), name: z.string(), credentials: z.object({ token: z.string() }) }),
});

export function bootstrapRoutes({ bootstrapService }: { bootstrapService: BootstrapService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/admin/bootstrap",
      {
        config: { docs: { responses: { 400: "The instance is already set up, or the body is not valid JSON." } } },
        schema: {
          tags: ["admin"],
          summary: "Set up the instance (once)",
          description:
            "Creates the organization, an admin identity with every permission, and returns that identity's " +
            "access token in `identity.credentials.token`: use it to Authorize here. Works once; afterwards it " +
            "answers 400. Needs no token.",
          body: BootstrapBodySchema,
          response: { 200: BootstrapResponseSchema },
        },
      },
      async (request) => bootstrapService.bootstrap(request.body),
    );
  };
}
