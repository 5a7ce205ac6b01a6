import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, RouteOptions } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import type { z } from "zod";
import { ErrorResponseSchemas } from "./error-schemas.js";

// The OpenAPI document at /api/docs/json and Swagger UI at /api/docs. Routes write their own
// summary and description; everything that follows from a route's configuration is derived here,
// so no route can forget it: the bearer security of `config.auth` routes (Swagger UI's Authorize
// sends the token only to operations that declare it) and the error responses every route can
// answer, each with a description and the envelope schema. Only the document changes: runtime
// serialization keeps the schemas the routes declare.

declare module "fastify" {
  interface FastifyContextConfig {
    /** What the generated document cannot infer about this route's responses. */
    docs?: RouteDocs;
  }
}

type HeaderDoc = { description: string; schema: Record<string, unknown> };

export type RouteDocs = {
  /** Descriptions of this route's responses where the generic one says too little. */
  responses?: Partial<Record<number, string>>;
  /** Response headers by status (e.g. `ETag` on 200). */
  headers?: Partial<Record<number, Record<string, HeaderDoc>>>;
  /** Statuses this route answers beyond the derived set. */
  errors?: number[];
  /** An example body, shown (and pre-filled by Swagger UI's "Try it out"). */
  requestExample?: unknown;
  /** Request headers the route reads (e.g. `If-Match`). */
  requestHeaders?: Record<string, HeaderDoc>;
  /**
   * The operation is pinned to a seed contract (PATCH /api/v1/dynamic-secrets/{name}), which fixes
   * its responses and its parameter list: only the statuses the schema declares are documented, and
   * request headers go to the path item (OpenAPI's parameters shared by the path's operations).
   */
  contract?: boolean;
};

export const SECURITY_SCHEME = "bearerAuth";

const STATUS_DESCRIPTIONS: Record<number, string> = {
  200: "Success.",
  400:
    "Bad request: the body is not valid JSON, the URL is malformed, or the request breaks a rule the schema cannot express " +
    "(e.g. a name already taken). `details` may say more.",
  401: "No token: the `Authorization: Bearer <token>` header is missing (`Token missing`).",
  403:
    "Refused: the token is malformed, badly signed, expired, revoked or used from an address it does not trust " +
    "(`TokenError`), or its identity lacks the permission (`PermissionDenied`; `details` lists its rules for the action).",
  404: "Not found: the route, or a project, environment, folder or resource the request names.",
  412: "Precondition failed.",
  413: "The body is larger than 1 MiB.",
  415: "The body's Content-Type is not `application/json`.",
  422: "The request does not match the schema: `message` is the list of validation issues (Zod's `{code, path, message}`).",
  429: "Rate limit exceeded for this route and client; `message` says when to retry. Counted per minute (D16).",
  500: "Unexpected server error; the log line carries the same `reqId`.",
  503: "The database cannot be reached; retry shortly.",
};

const ENVELOPES: Partial<Record<number, z.ZodType>> = ErrorResponseSchemas;

/** The statuses a route can answer besides 200, from its configuration. */
function derivedStatuses(route: Pick<RouteOptions, "config" | "schema">): number[] {
  const statuses = new Set([500, 503]);
  const config = (route.config ?? {}) as { auth?: boolean | "deferred"; rateLimit?: unknown; docs?: RouteDocs };
  const schema = (route.schema ?? {}) as { body?: unknown; querystring?: unknown; params?: unknown };
  // Protected routes run services, which refuse with 400 (e.g. a name taken) and 404.
  if (config.auth) for (const s of [400, 401, 403, 404]) statuses.add(s);
  if (schema.body || schema.querystring || schema.params) statuses.add(422);
  if (schema.body) for (const s of [400, 413, 415]) statuses.add(s);
  if (config.rateLimit !== false) statuses.add(429);
  for (const s of config.docs?.errors ?? []) statuses.add(s);
  return [...statuses];
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0] & { route: RouteOptions };
type Transformed = { schema: Record<string, unknown>; url: string };
type JsonObject = Record<string, any>;
/** Header parameters by path template, then by name (the document may be generated more than once). */
type PathHeaders = Map<string, Map<string, JsonObject>>;

const headerParameter = (name: string, h: HeaderDoc) => ({ in: "header", name, required: false, description: h.description, schema: h.schema });

/** OpenAPI's path template of a Fastify URL: `/a/:name` → `/a/{name}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/**
 * @fastify/swagger's per-route transform: Zod → JSON Schema, then the derived parts. Request
 * headers of contract-pinned routes are collected in `pathHeaders` for the document's path items.
 */
function transformRoute(input: TransformInput, pathHeaders: PathHeaders): Transformed {
  const { route } = input;
  const config = (route.config ?? {}) as { auth?: boolean | "deferred"; docs?: RouteDocs };
  const docs = config.docs ?? {};
  const schema = (input.schema ?? {}) as Record<string, unknown> & { response?: Record<string, unknown>; hide?: boolean };
  if (schema.hide) return jsonSchemaTransform(input) as Transformed;

  const response: Record<string, unknown> = { ...(schema.response ?? {}) };
  if (!docs.contract) {
    for (const status of derivedStatuses(route)) {
      const envelope = ENVELOPES[status];
      if (!envelope) throw new Error(`No error envelope schema for status ${status} (src/http/error-schemas.ts)`);
      response[status] ??= envelope;
    }
  }
  const withSecurity = config.auth ? { security: [{ [SECURITY_SCHEME]: [] }] } : {};
  const transformed = jsonSchemaTransform({ ...input, schema: { ...schema, ...withSecurity, response } } as typeof input) as {
    schema: Record<string, unknown> & { response: Record<string, JsonObject>; headers?: JsonObject };
    url: string;
  };

  // @fastify/swagger moves a single `examples` entry of the body schema to the media type's `example`.
  const body = transformed.schema.body as JsonObject | undefined;
  if (body && docs.requestExample !== undefined) transformed.schema.body = { ...body, examples: [docs.requestExample] };

  for (const [name, h] of Object.entries(docs.requestHeaders ?? {})) {
    if (docs.contract) {
      const key = openApiPath(route.url);
      if (!pathHeaders.has(key)) pathHeaders.set(key, new Map());
      pathHeaders.get(key)!.set(name, headerParameter(name, h));
    } else {
      const headers = (transformed.schema.headers ??= { type: "object", properties: {} });
      headers.properties[name] = { ...h.schema, description: h.description };
    }
  }

  for (const [code, jsonSchema] of Object.entries(transformed.schema.response)) {
    const status = Number(code);
    // @fastify/swagger takes the response's description from this key and drops it from the schema.
    jsonSchema["x-response-description"] = docs.responses?.[status] ?? STATUS_DESCRIPTIONS[status] ?? "Error.";
    const headers = docs.headers?.[status];
    if (headers) {
      jsonSchema.headers = Object.fromEntries(
        Object.entries(headers).map(([name, h]) => [name, { ...h.schema, description: h.description }]),
      );
    }
  }
  return transformed;
}

const API_DESCRIPTION = `
An Infisical-compatible dynamic-secrets API.

**Authentication.** Operations with a lock need \`Authorization: Bearer <access token>\`: a Universal Auth
login (\`POST /api/v1/auth/universal-auth/login\`) or the bootstrap identity's token returns one. In this
page, press **Authorize**, paste the token (without \`Bearer\`), then **Try it out** on any operation.

**Errors.** Every non-2xx response is the envelope \`{reqId, statusCode, message, error}\` (plus \`details\`
on some 400/403s); \`message\` is the list of validation issues on a 422. Every response carries its
request id in the \`x-request-id\` header, equal to \`reqId\`.

**Statuses any operation can answer** before its route runs: 408 (the request did not arrive within
REQUEST_TIMEOUT_MS), 431 (headers too large), 404 (no such route, or a path parameter over 100
characters). Each operation lists the others it can answer.
`.trim();

/** Registers the document and Swagger UI; call before any route is registered. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const pathHeaders: PathHeaders = new Map();
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "Infisical-compatible dynamic secrets API", version: "1.0.0", description: API_DESCRIPTION },
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "An access token from Universal Auth login or bootstrap.",
          },
        },
      },
    },
    transform: (input: TransformInput) => transformRoute(input, pathHeaders),
    transformObject: ({ openapiObject }: { openapiObject: JsonObject }) => {
      for (const [path, parameters] of pathHeaders) {
        const item = openapiObject.paths?.[path];
        if (item) item.parameters = [...parameters.values()];
      }
      return openapiObject;
    },
  } as never);
  await app.register(fastifySwaggerUi, { routePrefix: "/api/docs" });
}
