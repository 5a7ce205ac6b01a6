import type { FastifySchemaCompiler } from "fastify";
import type { ZodType } from "zod";

/**
 * Request validation with Zod. Failures keep Zod's own issue objects (numeric array indices
 * included), because the 422 envelope sends them as its `message` (Infisical parity).
 * Serialization, types and OpenAPI come from fastify-type-provider-zod.
 */
export class RequestValidationError extends Error {
  readonly statusCode = 422;
  constructor(readonly issues: unknown[]) {
    super("Request validation failed");
  }
}

export const validatorCompiler: FastifySchemaCompiler<ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(result.error.issues) };
  };
