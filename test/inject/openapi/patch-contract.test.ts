import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { assertMatchesContract, seedPatch } from "./contract.js";

// The PATCH operation generated from our Zod schemas (/api/docs/json) against the seed contract:
// request properties, required lists, types, nullability and response codes. The differences are
// the documented decisions, listed here explicitly.

type Json = Record<string, any>;
let t: TestApp;
let generated: Json;

beforeAll(async () => {
  t = await buildTestApp();
  const res = await t.app.inject({ method: "GET", url: "/api/docs/json" });
  expect(res.statusCode).toBe(200);
  generated = res.json().paths["/api/v1/dynamic-secrets/{name}"].patch;
});
afterAll(async () => {
  await t?.close();
});

/** type/nullable/required/property names of a schema, recursively; constraints are compared separately. */
function shape(schema: Json | undefined): unknown {
  if (!schema) return undefined;
  const out: Json = {};
  if (schema.type !== undefined) out.type = schema.type;
  if (schema.nullable) out.nullable = true;
  if (schema.enum) out.enum = schema.enum;
  if (schema.required) out.required = [...schema.required].sort();
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, shape(v as Json)]));
  if (schema.items) out.items = shape(schema.items);
  return out;
}

const requestSchema = (op: Json) => op.requestBody.content["application/json"].schema;
const responseSchema = (op: Json, status: string) => op.responses[status]?.content?.["application/json"]?.schema;

describe("generated PATCH operation vs the seed contract", () => {
  test("request body: same properties, required lists, types and nullability (except D12: inputs must be an object)", () => {
    const ours = shape(requestSchema(generated)) as Json;
    const theirs = shape(requestSchema(seedPatch)) as Json;
    expect(ours.properties.data.properties.inputs).toEqual({ type: "object" });
    expect(theirs.properties.data.properties.inputs).toEqual({});
    delete ours.properties.data.properties.inputs;
    delete theirs.properties.data.properties.inputs;
    expect(ours).toEqual(theirs);
  });

  test("request constraints and defaults of the contract are kept", () => {
    const ours = requestSchema(generated);
    const theirs = requestSchema(seedPatch);
    expect(ours.properties.projectSlug.minLength).toBe(theirs.properties.projectSlug.minLength);
    expect(ours.properties.environmentSlug.minLength).toBe(theirs.properties.environmentSlug.minLength);
    expect(ours.properties.path.default).toBe("/");
    const item = (s: Json) => s.properties.data.properties.metadata.items.properties;
    expect(item(ours).key).toMatchObject({ minLength: 1, maxLength: 255 });
    expect(item(ours).value).toMatchObject({ maxLength: 1020, default: "" });
    expect(ours.properties.data.properties.usernameTemplate.maxLength).toBe(255);
    // D8: newName follows the create-name rules.
    expect(ours.properties.data.properties.newName).toMatchObject({ minLength: 1, maxLength: 64 });
  });

  test("path parameter", () => {
    expect(generated.parameters).toEqual(seedPatch.parameters);
  });

  test("response codes: the contract's, plus 412 for If-Match (D3)", () => {
    expect(Object.keys(generated.responses).sort()).toEqual([...Object.keys(seedPatch.responses), "412"].sort());
  });

  test.each(["200", "400", "401", "403", "404", "422", "500"])("response %s: same properties, required lists, types, nullability", (status) => {
    expect(shape(responseSchema(generated, status))).toEqual(shape(responseSchema(seedPatch, status)));
  });

  test("the contract validator rejects what the contract forbids", () => {
    expect(() => assertMatchesContract(404, { reqId: "req-x", statusCode: 404, message: "m", error: "NotFound", extra: 1 })).toThrow();
    expect(() => assertMatchesContract(200, { dynamicSecret: { id: "nope" } })).toThrow();
    expect(() => assertMatchesContract(404, { reqId: "req-x", statusCode: 404, message: "m", error: "NotFound" })).not.toThrow();
  });
});
