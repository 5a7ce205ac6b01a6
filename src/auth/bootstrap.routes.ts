import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { BootstrapService } from "./bootstrap.service.js";

// POST /api/v1/admin/bootstrap (public, works once; auth-and-permissions.md §A.7).

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
      { schema: { tags: ["admin"], body: BootstrapBodySchema, response: { 200: BootstrapResponseSchema } } },
      async (request) => bootstrapService.bootstrap(request.body),
    );
  };
}
