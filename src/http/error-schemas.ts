import { z } from "zod";

// Response schemas of the error envelopes src/http/error-handler.ts writes, one per status, for the
// routes' OpenAPI declarations (src/http/openapi.ts adds those a route does not declare itself).
// Keys in Infisical's order (details before error on 403).
const envelope = <S extends number>(status: S) =>
  z.object({ reqId: z.string(), statusCode: z.literal(status), message: z.string(), error: z.string() });

export const ErrorResponseSchemas = {
  400: envelope(400).extend({ details: z.unknown().optional() }),
  401: envelope(401),
  403: z.object({
    reqId: z.string(),
    statusCode: z.literal(403),
    message: z.string(),
    details: z.unknown().optional(),
    error: z.string(),
  }),
  404: envelope(404),
  412: envelope(412),
  413: envelope(413),
  415: envelope(415),
  422: z.object({ reqId: z.string(), statusCode: z.literal(422), message: z.unknown().optional(), error: z.string() }),
  429: envelope(429),
  500: envelope(500),
  503: envelope(503),
};
