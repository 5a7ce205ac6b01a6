import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestContextOf } from "../http/request-context.js";
import {
  AttachUniversalAuthBodySchema,
  ClientSecretDataSchema,
  ClientSecretParamsSchema,
  CreateClientSecretBodySchema,
  IdentityIdParamsSchema,
  UniversalAuthSchema,
  UpdateUniversalAuthBodySchema,
} from "./universal-auth.schemas.js";
import type { UniversalAuthService } from "./universal-auth.service.js";

// Universal Auth management (auth-and-permissions.md §A.6.1–A.6.2).

export function universalAuthRoutes({ universalAuthService }: { universalAuthService: UniversalAuthService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/auth/universal-auth/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          params: IdentityIdParamsSchema,
          body: AttachUniversalAuthBodySchema,
          response: { 200: z.object({ identityUniversalAuth: UniversalAuthSchema }) },
        },
      },
      async (request) => ({
        identityUniversalAuth: await universalAuthService.attach(request.actor, request.params.identityId, request.body),
      }),
    );

    const uaResponse = { 200: z.object({ identityUniversalAuth: UniversalAuthSchema }) };

    app.get(
      "/api/v1/auth/universal-auth/identities/:identityId",
      { config: { auth: true }, schema: { tags: ["universal-auth"], params: IdentityIdParamsSchema, response: uaResponse } },
      async (request) => ({ identityUniversalAuth: await universalAuthService.get(request.actor, request.params.identityId) }),
    );

    app.patch(
      "/api/v1/auth/universal-auth/identities/:identityId",
      {
        config: { auth: true },
        schema: { tags: ["universal-auth"], params: IdentityIdParamsSchema, body: UpdateUniversalAuthBodySchema, response: uaResponse },
      },
      async (request) => ({
        identityUniversalAuth: await universalAuthService.update(request.actor, request.params.identityId, request.body),
      }),
    );

    app.delete(
      "/api/v1/auth/universal-auth/identities/:identityId",
      { config: { auth: true }, schema: { tags: ["universal-auth"], params: IdentityIdParamsSchema, response: uaResponse } },
      async (request) => ({ identityUniversalAuth: await universalAuthService.remove(request.actor, request.params.identityId) }),
    );

    app.post(
      "/api/v1/auth/universal-auth/identities/:identityId/client-secrets",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          params: IdentityIdParamsSchema,
          body: CreateClientSecretBodySchema.default({ description: "", numUsesLimit: 0, ttl: 0 }),
          response: { 200: z.object({ clientSecret: z.string(), clientSecretData: ClientSecretDataSchema }) },
        },
      },
      async (request) => universalAuthService.createClientSecret(request.actor, request.params.identityId, request.body),
    );

    app.get(
      "/api/v1/auth/universal-auth/identities/:identityId/client-secrets",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          params: IdentityIdParamsSchema,
          response: { 200: z.object({ clientSecretData: z.array(ClientSecretDataSchema) }) },
        },
      },
      async (request) => ({
        clientSecretData: await universalAuthService.listClientSecrets(request.actor, requestContextOf(request), request.params.identityId),
      }),
    );

    app.get(
      "/api/v1/auth/universal-auth/identities/:identityId/client-secrets/:clientSecretId",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          params: ClientSecretParamsSchema,
          response: { 200: z.object({ clientSecretData: ClientSecretDataSchema }) },
        },
      },
      async (request) => ({
        clientSecretData: await universalAuthService.getClientSecret(request.actor, request.params.identityId, request.params.clientSecretId),
      }),
    );

    app.post(
      "/api/v1/auth/universal-auth/identities/:identityId/client-secrets/:clientSecretId/revoke",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          params: ClientSecretParamsSchema,
          response: { 200: z.object({ clientSecretData: ClientSecretDataSchema }) },
        },
      },
      async (request) => ({
        clientSecretData: await universalAuthService.revokeClientSecret(
          request.actor,
          requestContextOf(request),
          request.params.identityId,
          request.params.clientSecretId,
        ),
      }),
    );
  };
}
