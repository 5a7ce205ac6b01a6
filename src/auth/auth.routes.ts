import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { clientIp } from "../http/request-context.js";
import type { AuthService } from "./auth.service.js";
import { AccessTokenBodySchema, LoginBodySchema, TokenGrantSchema } from "./universal-auth.schemas.js";
import type { UniversalAuthService } from "./universal-auth.service.js";

// Public token routes: Universal Auth login, renew, revoke.

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
      {
        config: {
          docs: {
            errors: [401, 403],
            responses: {
              401: "Invalid credentials, an expired or used-up client secret, or an auth method locked after failed attempts.",
              403: "The client's address is not in the identity's trusted IPs for login.",
            },
          },
        },
        schema: {
          tags: ["auth"],
          summary: "Log in with Universal Auth",
          description:
            "Exchanges an identity's client id and client secret for an access token (`accessToken`, valid " +
            "`expiresIn` seconds). Needs no token; the client secret's trusted IPs, TTL and uses limit apply.",
          body: LoginBodySchema,
          response: { 200: TokenGrantSchema },
        },
      },
      async (request) =>
        universalAuthService.login({
          clientId: request.body.clientId,
          clientSecret: request.body.clientSecret,
          clientIp: clientIp(request),
        }),
    );

    app.post(
      "/api/v1/auth/token/renew",
      {
        config: { docs: { errors: [401], responses: { 401: "The token is unknown, revoked, or past its TTL, max TTL or uses limit." } } },
        schema: {
          tags: ["auth"],
          summary: "Renew an access token",
          description:
            "Extends the access token given in the body by its TTL, within its max TTL, and returns it re-signed. " +
            "Needs no Authorization header.",
          body: AccessTokenBodySchema,
          response: { 200: TokenGrantSchema },
        },
      },
      async (request) => authService.renew(request.body.accessToken),
    );

    app.post(
      "/api/v1/auth/token/revoke",
      {
        config: { docs: { errors: [401], responses: { 401: "The token is not an identity access token, or is unknown or already revoked." } } },
        schema: {
          tags: ["auth"],
          summary: "Revoke an access token",
          description: "Revokes the access token given in the body; it stops working at once. Needs no Authorization header.",
          body: AccessTokenBodySchema,
          response: { 200: z.object({ message: z.string() }) },
        },
      },
      async (request) => authService.revoke(request.body.accessToken),
    );
  };
}
