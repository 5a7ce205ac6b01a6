import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { clientIp } from "../http/request-context.js";
import type { AuthService } from "./auth.service.js";
import { AccessTokenBodySchema, LoginBodySchema, TokenGrantSchema } from "./universal-auth.schemas.js";
import type { UniversalAuthService } from "./universal-auth.service.js";

// Public token routes: Universal Auth login, renew, revoke (auth-and-permissions.md §A.6.3–A.6.5).

export function authRoutes({
  authService,
  universalAuthService,
}: {
  authService: AuthService;
  universalAuthService: UniversalAuthService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/auth/universal-auth/login",
      { schema: { tags: ["auth"], body: LoginBodySchema, response: { 200: TokenGrantSchema } } },
      async (request) =>
        universalAuthService.login({
          clientId: request.body.clientId,
          clientSecret: request.body.clientSecret,
          clientIp: clientIp(request),
        }),
    );

    app.post(
      "/api/v1/auth/token/renew",
      { schema: { tags: ["auth"], body: AccessTokenBodySchema, response: { 200: TokenGrantSchema } } },
      async (request) => authService.renew(request.body.accessToken),
    );

    app.post(
      "/api/v1/auth/token/revoke",
      { schema: { tags: ["auth"], body: AccessTokenBodySchema, response: { 200: z.object({ message: z.string() }) } } },
      async (request) => authService.revoke(request.body.accessToken),
    );
  };
}
