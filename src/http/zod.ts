import type { FastifySchemaCompiler, FastifySerializerCompiler } from "fastify";
import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import type { ZodType } from "zod";
import { $ZodType } from "zod/v4/core";

/**
 * Request validation with Zod. Failures keep Zod's own issue objects (numeric array indices
 * included), because the 422 envelope sends them as its `message` (Infisical parity).
 * Types and OpenAPI come from fastify-type-provider-zod; serialization too, for schemas the
 * compiled pickers below do not cover.
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

// Response serialization. fastify-type-provider-zod encodes every response with Zod, then
// JSON.stringify: ~20 µs for a dynamic secret. For response schemas made only of plain pieces
// (objects that strip unknown keys, arrays, optional, nullable, strings, numbers, booleans, dates,
// literals, enums, null, unknown), a function compiled once per schema picks the declared keys in
// the schema's order and checks each value's type (and runs a leaf's own checks, e.g. uuid(), with
// Zod); the result is what Zod would have produced, given to JSON.stringify (~5 µs). Anything it is
// not sure of — another kind of schema, a value of the wrong type, a missing required key — goes
// through fastify-type-provider-zod as before, so its output and its errors are unchanged.

/** Thrown inside a compiled picker: let Zod decide. */
const UNSURE = Symbol("unsure");
type Picker = (value: unknown) => unknown;

type Def = { type: string; checks?: unknown[]; catchall?: unknown; shape?: Record<string, ZodType>; innerType?: ZodType; element?: ZodType; values?: unknown[] };
const defOf = (schema: ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

function unsure(): never {
  throw UNSURE;
}

/** A leaf with checks of its own (formats, lengths, overwrites such as trim): Zod runs them. */
function checkedLeaf(schema: ZodType): Picker {
  return (value) => {
    const result = schema.safeParse(value);
    return result.success ? result.data : unsure();
  };
}

/** The picker of a response schema, or undefined when Zod must serialize it (exported for tests). */
export function compilePicker(schema: ZodType): Picker | undefined {
  const def = defOf(schema);
  const checked = (def.checks?.length ?? 0) > 0;
  switch (def.type) {
    case "object": {
      if (def.catchall !== undefined || checked || !def.shape) return undefined;
      const entries: [string, Picker, boolean][] = [];
      for (const [key, field] of Object.entries(def.shape)) {
        const pick = compilePicker(field);
        if (!pick) return undefined;
        entries.push([key, pick, defOf(field).type === "optional"]);
      }
      return (value) => {
        if (typeof value !== "object" || value === null || Array.isArray(value)) unsure();
        const source = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [key, pick, optional] of entries) {
          const field = source[key];
          if (field === undefined) {
            if (optional) continue;
            unsure();
          }
          out[key] = pick(field);
        }
        return out;
      };
    }
    case "array": {
      const pick = !checked && def.element ? compilePicker(def.element) : undefined;
      if (!pick) return undefined;
      return (value) => (Array.isArray(value) ? value.map((item) => pick(item)) : unsure());
    }
    case "optional":
    case "nullable": {
      const pick = def.innerType ? compilePicker(def.innerType) : undefined;
      if (!pick) return undefined;
      const empty = def.type === "optional" ? undefined : null;
      return (value) => (value === empty ? value : pick(value));
    }
    case "string":
      return checked ? checkedLeaf(schema) : (value) => (typeof value === "string" ? value : unsure());
    case "number":
      return checked ? checkedLeaf(schema) : (value) => (typeof value === "number" && Number.isFinite(value) ? value : unsure());
    case "boolean":
      return checked ? checkedLeaf(schema) : (value) => (typeof value === "boolean" ? value : unsure());
    case "date":
      return checked ? checkedLeaf(schema) : (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value : unsure());
    case "null":
      return (value) => (value === null ? value : unsure());
    case "literal": {
      const values = def.values ?? [];
      return (value) => (values.includes(value) ? value : unsure());
    }
    case "enum":
      return checkedLeaf(schema);
    case "unknown":
    case "any":
      return (value) => value;
    default:
      return undefined;
  }
}

export const serializerCompiler: FastifySerializerCompiler<ZodType | { properties: ZodType }> = (routeSchema) => {
  const viaZod = zodSerializerCompiler(routeSchema);
  const { schema } = routeSchema;
  const zodSchema = schema instanceof $ZodType ? schema : (schema as { properties?: unknown }).properties;
  const pick = zodSchema instanceof $ZodType ? compilePicker(zodSchema as ZodType) : undefined;
  if (!pick) return viaZod;
  return (data) => {
    let picked: unknown;
    try {
      picked = pick(data);
    } catch (err) {
      if (err !== UNSURE) throw err;
      return viaZod(data);
    }
    return JSON.stringify(picked);
  };
};
