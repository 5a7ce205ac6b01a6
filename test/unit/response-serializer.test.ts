import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { DynamicSecretEnvelopeSchema, DynamicSecretListSchema } from "../../src/dynamic-secrets/dynamic-secret.schemas.js";
import { ErrorResponseSchemas } from "../../src/http/error-schemas.js";
import { compilePicker, serializerCompiler } from "../../src/http/zod.js";

// src/http/zod.ts serializes responses through pickers compiled once per schema instead of a Zod
// encode per response: the bytes must be those of fastify-type-provider-zod's serializer (Zod,
// then JSON.stringify), for every value it accepts, and its errors for every value it refuses.

const compile = (compiler: typeof serializerCompiler, schema: z.ZodType) =>
  compiler({ schema, method: "PATCH", url: "/x", httpStatus: "200" } as Parameters<typeof serializerCompiler>[0]);
const both = (schema: z.ZodType) => ({ fast: compile(serializerCompiler, schema), zod: compile(zodSerializerCompiler, schema) });
const outcome = (serialize: (data: unknown) => string, data: unknown) => {
  try {
    return { ok: serialize(data) };
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
};

const secret = () => ({
  // Keys in another order than the schema's, and keys the schema does not declare.
  encryptedInput: "ciphertext-must-never-leave",
  updatedAt: new Date("2026-01-02T03:04:05.678Z"),
  name: "ds-1",
  id: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  version: 12,
  type: "totp",
  defaultTTL: "2h",
  maxTTL: null,
  folderId: "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
  status: null,
  statusDetails: undefined,
  createdAt: new Date("2026-01-01T00:00:00.000Z"),
  projectGatewayId: null,
  usernameTemplate: "{{randomUsername}}",
  metadata: [{ value: "payments", key: "team", orgId: "hidden" }],
  inputs: { configType: "manual", secret: "[REDACTED]", nested: { when: new Date(0) } },
});

describe("compiled response pickers", () => {
  test("a dynamic secret: the same bytes as Zod + JSON.stringify — schema key order, unknown keys stripped at every level", () => {
    for (const schema of [DynamicSecretEnvelopeSchema, DynamicSecretListSchema, ...Object.values(ErrorResponseSchemas)]) {
      expect(compilePicker(schema)).toBeTypeOf("function");
    }
    const { fast, zod } = both(DynamicSecretEnvelopeSchema);
    const data = { dynamicSecret: secret(), extra: true };
    const out = fast(data);
    expect(out).toBe(zod(data));
    expect(out).not.toContain("ciphertext");
    expect(out).not.toContain("orgId");
    expect(Object.keys(JSON.parse(out).dynamicSecret)).toEqual(
      Object.keys(DynamicSecretEnvelopeSchema.shape.dynamicSecret.shape).filter((key) => !["statusDetails", "gatewayId", "gatewayV2Id", "gatewayPoolId"].includes(key)),
    );
    const list = both(DynamicSecretListSchema);
    const listData = { dynamicSecrets: [secret(), { ...secret(), name: "ds-2" }] };
    expect(list.fast(listData)).toBe(list.zod(listData));
    expect(list.fast(listData)).not.toContain("REDACTED"); // the list schema has no inputs
  });

  test("values Zod refuses are refused with Zod's error: wrong types, a missing required key, a bad uuid, an invalid date", () => {
    const { fast, zod } = both(DynamicSecretEnvelopeSchema);
    const broken = [
      { dynamicSecret: { ...secret(), version: "12" } },
      { dynamicSecret: { ...secret(), version: Number.NaN } },
      { dynamicSecret: { ...secret(), name: undefined } },
      { dynamicSecret: { ...secret(), id: "not-a-uuid" } },
      { dynamicSecret: { ...secret(), createdAt: new Date(Number.NaN) } },
      { dynamicSecret: { ...secret(), createdAt: "2026-01-01" } },
      { dynamicSecret: { ...secret(), metadata: [{ key: "" }] } },
      { dynamicSecret: { ...secret(), metadata: {} } },
      { dynamicSecret: null },
      [],
    ];
    for (const data of broken) {
      const expected = outcome(zod, data);
      expect(expected).toHaveProperty("error");
      expect(outcome(fast, data)).toEqual(expected);
    }
  });

  test("error envelopes, literals and unknown messages", () => {
    for (const [status, schema] of Object.entries(ErrorResponseSchemas)) {
      const { fast, zod } = both(schema);
      const code = Number(status);
      for (const data of [
        { error: "E", message: "m", statusCode: code, reqId: "r", junk: 1 },
        { reqId: "r", statusCode: code, message: [{ code: "custom", path: ["a", 0] }], error: "E", details: { x: [1] } },
        { reqId: "r", statusCode: code + 1, message: "m", error: "E" },
      ]) {
        expect(outcome(fast, data)).toEqual(outcome(zod, data));
      }
    }
  });

  test("schemas with pieces the pickers do not know (unions, transforms, defaults, loose objects) go through Zod unchanged", () => {
    const schemas = [
      z.object({ a: z.union([z.string(), z.number()]) }),
      z.object({ a: z.string().transform((v) => v.toUpperCase()) }),
      z.object({ a: z.string().default("d") }),
      z.looseObject({ a: z.string() }),
    ];
    for (const schema of schemas) expect(compilePicker(schema)).toBeUndefined();
    // A leaf's own checks, overwrites included, are run by Zod inside the picker.
    const trimmed = z.object({ a: z.string().trim().min(1) });
    expect(compilePicker(trimmed)).toBeTypeOf("function");
    for (const schema of [...schemas, trimmed]) {
      const { fast, zod } = both(schema);
      for (const data of [{ a: " x ", b: 1 }, { a: "  " }, { a: 2 }, {}]) expect(outcome(fast, data)).toEqual(outcome(zod, data));
    }
  });
});
