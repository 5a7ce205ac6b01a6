import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ErrorResponseSchemas } from "../http/error-schemas.js";
import { requestContextOf } from "../http/request-context.js";
import {
  CreateLeaseBodySchema,
  CreateLeaseResponseSchema,
  LeaseEnvelopeSchema,
  LeaseIdParamsSchema,
  LeaseListSchema,
  LeaseQuerySchema,
  LeaseWithSecretEnvelopeSchema,
  RenewLeaseBodySchema,
  RevokeLeaseBodySchema,
  SecretNameParamsSchema,
} from "./lease.schemas.js";
import type { LeaseService } from "./lease.service.js";

// Infisical's lease routes: create, get, renew, revoke (DELETE with a JSON body), list a secret's leases.

const TAGS = ["Dynamic Secret Leases"];
const { 400: e400, 401: e401, 403: e403, 404: e404, 422: e422, 500: e500 } = ErrorResponseSchemas;
const ERRORS = { 400: e400, 401: e401, 403: e403, 404: e404, 422: e422, 500: e500 };

export function leaseRoutes({ service }: { service: LeaseService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/dynamic-secrets/leases",
      {
        // The token row is read with the secret, in one statement (auth.plugin).
        config: {
          auth: "deferred",
          docs: { responses: { 200: "The lease, its dynamic secret, and the credentials in `data` (shown this once, never stored)." } },
        },
        schema: {
          tags: TAGS,
          summary: "Create a lease",
          description:
            "Creates credentials with the dynamic secret's provider and returns them in `data`, valid for `ttl` (default: " +
            "the secret's `defaultTTL`, at most its `maxTTL`). The lease is recorded before the provider is called, so " +
            "no credential is ever left without a lease (D25); it is revoked at `expireAt` (D26). A provider failure " +
            "is a 400 and leaves nothing behind; the lease limit per secret is exact (D32).",
          body: CreateLeaseBodySchema,
          response: { 200: CreateLeaseResponseSchema, ...ERRORS },
        },
      },
      async (request) => service.create({ actor: request.pendingAuth!, ctx: requestContextOf(request), ...request.body }),
    );

    app.get(
      "/api/v1/dynamic-secrets/leases/:leaseId",
      {
        config: { auth: true, docs: { responses: { 200: "The lease with its dynamic secret (without inputs or credentials)." } } },
        schema: {
          tags: TAGS,
          summary: "Get a lease",
          description:
            "Reads a lease of a dynamic secret in the folder `path` of the project's environment. A lease id that is not " +
            "a UUID, or a lease of another folder or project, is a 404 (D31).",
          params: LeaseIdParamsSchema,
          querystring: LeaseQuerySchema,
          response: { 200: LeaseWithSecretEnvelopeSchema, ...ERRORS },
        },
      },
      async (request) => {
        const lease = await service.get({ actor: request.actor, ctx: requestContextOf(request), leaseId: request.params.leaseId, ...request.query });
        return { lease };
      },
    );

    app.post(
      "/api/v1/dynamic-secrets/leases/:leaseId/renew",
      {
        config: { auth: true, docs: { responses: { 200: "The renewed lease with its new `expireAt`." } } },
        schema: {
          tags: TAGS,
          summary: "Renew a lease",
          description:
            "Extends a lease by `ttl` (default: the secret's `defaultTTL`) within the secret's `maxTTL` from its creation. " +
            "Providers with a renew operation extend the credential too. An overdue lease, or one being created or revoked, " +
            "is a 400 (D28).",
          params: LeaseIdParamsSchema,
          body: RenewLeaseBodySchema,
          response: { 200: LeaseEnvelopeSchema, ...ERRORS },
        },
      },
      async (request) => {
        const lease = await service.renew({ actor: request.actor, ctx: requestContextOf(request), leaseId: request.params.leaseId, ...request.body });
        return { lease };
      },
    );

    app.delete(
      "/api/v1/dynamic-secrets/leases/:leaseId",
      {
        config: { auth: true, docs: { responses: { 200: "The revoked (deleted) lease." } } },
        schema: {
          tags: TAGS,
          summary: "Revoke a lease",
          description:
            "Revokes the lease's credentials with the provider and deletes the lease. If the provider fails, the answer is " +
            "400 `Failed to revoke lease from provider: …`, the lease shows `Failed to delete` and revocation is retried in " +
            "the background (D27). With `isForced: true` the lease is deleted after one attempt whatever the provider says.",
          params: LeaseIdParamsSchema,
          body: RevokeLeaseBodySchema,
          response: { 200: LeaseEnvelopeSchema, ...ERRORS },
        },
      },
      async (request) => {
        const lease = await service.revoke({ actor: request.actor, ctx: requestContextOf(request), leaseId: request.params.leaseId, ...request.body });
        return { lease };
      },
    );

    app.get(
      "/api/v1/dynamic-secrets/:name/leases",
      {
        config: { auth: true, docs: { responses: { 200: "The dynamic secret's leases (those still being created are not listed)." } } },
        schema: {
          tags: TAGS,
          summary: "List a dynamic secret's leases",
          description: "Lists the leases of the dynamic secret `name` in the folder `path` of the project's environment.",
          params: SecretNameParamsSchema,
          querystring: LeaseQuerySchema,
          response: { 200: LeaseListSchema, ...ERRORS },
        },
      },
      async (request) => {
        const leases = await service.list({ actor: request.actor, ctx: requestContextOf(request), name: request.params.name, ...request.query });
        return { leases };
      },
    );
  };
}
