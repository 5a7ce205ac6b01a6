import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { z } from "zod";
import { ErrorResponseSchemas } from "../http/error-schemas.js";
import { requestContextOf } from "../http/request-context.js";
import {
  createDynamicSecretBodySchema,
  DeleteDynamicSecretBodySchema,
  DynamicSecretEnvelopeSchema,
  DynamicSecretListSchema,
  LocatorQuerySchema,
  LowercasedNameParamsSchema,
  NameParamsSchema,
  UpdateDynamicSecretBodySchema,
  UpdateDynamicSecretParamsSchema,
} from "./dynamic-secret.schemas.js";
import type { DynamicSecretService } from "./dynamic-secret.service.js";
import type { UpdateDynamicSecretInput } from "./dynamic-secret.types.js";

const TAGS = ["Dynamic Secrets"];
const { 400: e400, 401: e401, 403: e403, 404: e404, 422: e422, 500: e500 } = ErrorResponseSchemas;
const ERRORS = { 400: e400, 401: e401, 403: e403, 404: e404, 422: e422, 500: e500 };

/**
 * D3: `If-Match: "<version>"` — a list of entity tags, weak (`W/"3"`) or bare forms accepted, or `*`.
 * Tags that are not versions never match.
 */
export function parseIfMatch(header: string | string[] | undefined): UpdateDynamicSecretInput["ifMatch"] {
  const value = Array.isArray(header) ? header.join(",") : header;
  if (value === undefined) return undefined;
  if (value.trim() === "*") return "*";
  const versions: number[] = [];
  for (const tag of value.split(",")) {
    const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(tag.trim());
    if (match) versions.push(Number(match[1]));
  }
  return versions;
}

export function dynamicSecretRoutes({
  service,
  providerSchema,
}: {
  service: DynamicSecretService;
  providerSchema: z.ZodType;
}): FastifyPluginAsyncZod {
  const CreateBodySchema = createDynamicSecretBodySchema(providerSchema);

  return async (app) => {
    app.post(
      "/api/v1/dynamic-secrets",
      {
        config: { auth: true },
        schema: { tags: TAGS, body: CreateBodySchema, response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS } },
      },
      async (request) => {
        const { provider, ...rest } = request.body;
        const dynamicSecret = await service.create({
          actor: request.actor,
          ctx: requestContextOf(request),
          ...rest,
          provider: provider as { type: string; inputs: unknown },
        });
        return { dynamicSecret };
      },
    );

    app.patch(
      "/api/v1/dynamic-secrets/:name",
      {
        config: { auth: true },
        schema: {
          tags: TAGS,
          params: UpdateDynamicSecretParamsSchema,
          body: UpdateDynamicSecretBodySchema,
          response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS, 412: ErrorResponseSchemas[412] },
        },
      },
      async (request, reply) => {
        const { projectSlug, environmentSlug, path, data } = request.body;
        const dynamicSecret = await service.updateByName({
          actor: request.actor,
          ctx: requestContextOf(request),
          name: request.params.name,
          projectSlug,
          environmentSlug,
          path,
          patch: data,
          ifMatch: parseIfMatch(request.headers["if-match"]),
        });
        reply.header("etag", `"${dynamicSecret.version}"`);
        return { dynamicSecret };
      },
    );

    app.get(
      "/api/v1/dynamic-secrets/:name",
      {
        config: { auth: true },
        schema: { tags: TAGS, params: NameParamsSchema, querystring: LocatorQuerySchema, response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS } },
      },
      async (request, reply) => {
        const dynamicSecret = await service.getByName({
          actor: request.actor,
          ctx: requestContextOf(request),
          name: request.params.name,
          ...request.query,
        });
        reply.header("etag", `"${dynamicSecret.version}"`);
        return { dynamicSecret };
      },
    );

    app.get(
      "/api/v1/dynamic-secrets",
      {
        config: { auth: true },
        schema: { tags: TAGS, querystring: LocatorQuerySchema, response: { 200: DynamicSecretListSchema, ...ERRORS } },
      },
      async (request) => {
        const dynamicSecrets = await service.list({ actor: request.actor, ctx: requestContextOf(request), ...request.query });
        return { dynamicSecrets };
      },
    );

    app.delete(
      "/api/v1/dynamic-secrets/:name",
      {
        config: { auth: true },
        schema: {
          tags: TAGS,
          params: LowercasedNameParamsSchema,
          body: DeleteDynamicSecretBodySchema,
          response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS },
        },
      },
      async (request) => {
        const dynamicSecret = await service.deleteByName({
          actor: request.actor,
          ctx: requestContextOf(request),
          name: request.params.name,
          ...request.body,
        });
        return { dynamicSecret };
      },
    );
  };
}
