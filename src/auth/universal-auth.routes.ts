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

// Universal Auth management.

export function universalAuthRoutes({ universalAuthService }: { universalAuthService: UniversalAuthService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/auth/universal-auth/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          summary: "Attach Universal Auth to an identity",
          description:
            "Enables Universal Auth (client id/secret login) for the identity, with the access-token TTL, max " +
            "TTL, uses limit and the trusted IP ranges for logins and for tokens.",
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
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          summary: "Get an identity's Universal Auth",
          description: "Reads the identity's Universal Auth configuration, including its client id.",
          params: IdentityIdParamsSchema,
          response: uaResponse,
        },
      },
      async (request) => ({ identityUniversalAuth: await universalAuthService.get(request.actor, request.params.identityId) }),
    );

    app.patch(
      "/api/v1/auth/universal-auth/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          summary: "Update an identity's Universal Auth",
          description: "Changes the identity's Universal Auth settings; absent fields are kept.",
          params: IdentityIdParamsSchema,
          body: UpdateUniversalAuthBodySchema,
          response: uaResponse,
        },
      },
      async (request) => ({
        identityUniversalAuth: await universalAuthService.update(request.actor, request.params.identityId, request.body),
      }),
    );

    app.delete(
      "/api/v1/auth/universal-auth/identities/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          summary: "Remove Universal Auth from an identity",
          description:
            "Removes the identity's Universal Auth configuration, with its client secrets and the access tokens " +
            "they issued.",
          params: IdentityIdParamsSchema,
          response: uaResponse,
        },
      },
      async (request) => ({ identityUniversalAuth: await universalAuthService.remove(request.actor, request.params.identityId) }),
    );

    app.post(
      "/api/v1/auth/universal-auth/identities/:identityId/client-secrets",
      {
        config: { auth: true },
        schema: {
          tags: ["universal-auth"],
          summary: "Create a client secret",
          description:
            "Creates a client secret for the identity's Universal Auth. `clientSecret` is in this response only; " +
            "`ttl` (seconds, 0 = none) and `numUsesLimit` (0 = none) bound its use.",
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
          summary: "List client secrets",
          description: "Lists the identity's client secrets (metadata only; the secrets themselves are never shown again).",
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
          summary: "Get a client secret",
          description: "Reads one client secret's metadata (never the secret).",
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
          summary: "Revoke a client secret",
          description: "Revokes a client secret: it can no longer log in.",
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
