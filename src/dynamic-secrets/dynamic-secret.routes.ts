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

/** Shown (and pre-filled by Swagger UI's "Try it out") as the PATCH body. */
const PATCH_EXAMPLE = {
  projectSlug: "my-project",
  environmentSlug: "dev",
  path: "/",
  data: {
    defaultTTL: "1h",
    maxTTL: "24h",
    inputs: { password: "the-new-admin-password" },
    metadata: [{ key: "team", value: "payments" }],
  },
};

const ETAG_HEADER = {
  etag: { description: 'The secret\'s version as an entity tag, e.g. `"4"`: send it back in `If-Match` to update only that version (D3).', schema: { type: "string" } },
};

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
        config: { auth: true, docs: { responses: { 200: "The new dynamic secret, version 1, inputs redacted." } } },
        schema: {
          tags: TAGS,
          summary: "Create a dynamic secret",
          description:
            "Creates a dynamic secret in a project's environment and folder. `provider.type` selects the provider and " +
            "`provider.inputs` its configuration, validated against the provider's schema (and checked for reachable " +
            "hosts where the provider has one). The name is unique within the folder; a taken name is a 400.",
          body: CreateBodySchema,
          response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS },
        },
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
        config: {
          // The hot path: the token row is read with the secret, in one statement (auth.plugin).
          auth: "deferred",
          docs: {
            contract: true,
            requestExample: PATCH_EXAMPLE,
            requestHeaders: {
              "If-Match": {
                description:
                  'PATCH only (GET and DELETE ignore it). Update only if the secret\'s current version is one of these entity tags, ' +
                  'e.g. `"3"` (the `ETag` of an earlier response); `*` matches any version. A mismatch is a 412 and changes nothing (D3).',
                schema: { type: "string", example: '"1"' },
              },
            },
            headers: { 200: ETAG_HEADER },
            responses: {
              200: "The updated dynamic secret: `version` went up by 1 (D1); inputs redacted. `ETag` carries the new version.",
              400:
                "Bad request: the new name is taken (D4), `defaultTTL` exceeds `maxTTL` after the merge (D10), the merged inputs fail " +
                "the provider's schema, the secret is being deleted (D7), or the target fields change while it has leases (D30).",
              404: "The project, environment, folder or dynamic secret does not exist (also when a delete won the race, D5).",
              412: "`If-Match` names no current version: someone else updated the secret first. Nothing changed; GET it and retry (D3).",
              422: "The body does not match the schema (e.g. `inputs` not an object, D12; an unparsable TTL, D9, or username template, D11).",
            },
          },
        },
        schema: {
          tags: TAGS,
          summary: "Update a dynamic secret",
          description:
            "Partially updates the dynamic secret `name` in the folder `path` of the project's environment. Keys of " +
            "`data.inputs` are merged into the stored inputs (absent keys are kept, D2); `metadata` replaces the list; " +
            "`null` clears `maxTTL` or `usernameTemplate`; `newName` renames (D8). Concurrent updates never lose each " +
            "other's changes (D2). Send `If-Match` with the `ETag` of your last read to refuse the update when the secret " +
            "changed meanwhile (412, D3). Like every operation it can also answer 413, 415, 429 and 503 (see the " +
            "operations beside it); they are not listed here, so that this operation stays equal to Infisical's contract.",
          params: UpdateDynamicSecretParamsSchema,
          body: UpdateDynamicSecretBodySchema,
          response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS, 412: ErrorResponseSchemas[412] },
        },
      },
      async (request, reply) => {
        const { projectSlug, environmentSlug, path, data } = request.body;
        const dynamicSecret = await service.updateByName({
          actor: request.pendingAuth!,
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
        config: {
          auth: true,
          docs: { headers: { 200: ETAG_HEADER }, responses: { 200: "The dynamic secret, inputs redacted; `ETag` carries its version." } },
        },
        schema: {
          tags: TAGS,
          summary: "Get a dynamic secret",
          description:
            "Reads the dynamic secret `name` in the folder `path` of the project's environment. Sensitive provider inputs " +
            "are redacted. The `ETag` header is the version to send in a PATCH's `If-Match`.",
          params: NameParamsSchema,
          querystring: LocatorQuerySchema,
          response: { 200: DynamicSecretEnvelopeSchema, ...ERRORS },
        },
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
        config: { auth: true, docs: { responses: { 200: "The folder's dynamic secrets, without inputs." } } },
        schema: {
          tags: TAGS,
          summary: "List dynamic secrets",
          description: "Lists the dynamic secrets of one folder (`path`) in the project's environment, without their inputs.",
          querystring: LocatorQuerySchema,
          response: { 200: DynamicSecretListSchema, ...ERRORS },
        },
      },
      async (request) => {
        const dynamicSecrets = await service.list({ actor: request.actor, ctx: requestContextOf(request), ...request.query });
        return { dynamicSecrets };
      },
    );

    app.delete(
      "/api/v1/dynamic-secrets/:name",
      {
        config: {
          auth: true,
          docs: {
            responses: {
              200: "The deleted secret, or, while it still has leases to revoke, the secret with status `Revocation in process` (D29).",
            },
          },
        },
        schema: {
          tags: TAGS,
          summary: "Delete a dynamic secret",
          description:
            "Deletes the dynamic secret `name`. Without `isForced`, its leases are revoked first: the secret shows the " +
            "status `Revocation in process` until they are gone, then disappears; a failed revocation leaves it with " +
            "the failure in `statusDetails` and a new DELETE starts again (D29); " +
            "with `isForced: true`, every lease is revoked best-effort, then the leases and the secret are removed at once.",
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
