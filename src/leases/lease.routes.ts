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

// leases.md §1.1: create, get, renew, revoke (DELETE with a JSON body), list a secret's leases.

const TAGS = ["Dynamic Secret Leases"];
const { 400: e400, 401: e401, 403: e403, 404: e404, 422: e422, 500: e500 } = ErrorResponseSchemas;
const ERRORS = { 400: e400, 401: e401, 403: e403, 404: e404, 422: e422, 500: e500 };

export function leaseRoutes({ service }: { service: LeaseService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/dynamic-secrets/leases",
      { config: { auth: true }, schema: { tags: TAGS, body: CreateLeaseBodySchema, response: { 200: CreateLeaseResponseSchema, ...ERRORS } } },
      async (request) => service.create({ actor: request.actor, ctx: requestContextOf(request), ...request.body }),
    );

    app.get(
      "/api/v1/dynamic-secrets/leases/:leaseId",
      {
        config: { auth: true },
        schema: { tags: TAGS, params: LeaseIdParamsSchema, querystring: LeaseQuerySchema, response: { 200: LeaseWithSecretEnvelopeSchema, ...ERRORS } },
      },
      async (request) => {
        const lease = await service.get({ actor: request.actor, ctx: requestContextOf(request), leaseId: request.params.leaseId, ...request.query });
        return { lease };
      },
    );

    app.post(
      "/api/v1/dynamic-secrets/leases/:leaseId/renew",
      {
        config: { auth: true },
        schema: { tags: TAGS, params: LeaseIdParamsSchema, body: RenewLeaseBodySchema, response: { 200: LeaseEnvelopeSchema, ...ERRORS } },
      },
      async (request) => {
        const lease = await service.renew({ actor: request.actor, ctx: requestContextOf(request), leaseId: request.params.leaseId, ...request.body });
        return { lease };
      },
    );

    app.delete(
      "/api/v1/dynamic-secrets/leases/:leaseId",
      {
        config: { auth: true },
        schema: { tags: TAGS, params: LeaseIdParamsSchema, body: RevokeLeaseBodySchema, response: { 200: LeaseEnvelopeSchema, ...ERRORS } },
      },
      async (request) => {
        const lease = await service.revoke({ actor: request.actor, ctx: requestContextOf(request), leaseId: request.params.leaseId, ...request.body });
        return { lease };
      },
    );

    app.get(
      "/api/v1/dynamic-secrets/:name/leases",
      {
        config: { auth: true },
        schema: { tags: TAGS, params: SecretNameParamsSchema, querystring: LeaseQuerySchema, response: { 200: LeaseListSchema, ...ERRORS } },
      },
      async (request) => {
        const leases = await service.list({ actor: request.actor, ctx: requestContextOf(request), name: request.params.name, ...request.query });
        return { leases };
      },
    );
  };
}
