import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";

// Walks the generated document (/api/docs/json) against the registered routes: every operation has
// a summary and a description, every operation behind `config.auth` declares the bearer scheme
// (Swagger UI's Authorize sends the token only to those), and every response has a real
// description; every error response carries the envelope schema.

type Json = Record<string, any>;
type Operation = { method: string; path: string; op: Json };

let t: TestApp;
let doc: Json;
let operations: Operation[];
const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

beforeAll(async () => {
  t = await buildTestApp();
  const res = await t.app.inject({ method: "GET", url: "/api/docs/json" });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  operations = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ method, path, op: op as Json })),
  );
});
afterAll(async () => {
  await t?.close();
});

describe("the generated OpenAPI document", () => {
  test("documents the API's operations (and hides /metrics and the docs' own routes)", () => {
    expect(operations.length).toBeGreaterThanOrEqual(55);
    const paths = Object.keys(doc.paths);
    expect(paths).not.toContain("/metrics");
    expect(paths.some((p) => p.startsWith("/api/docs"))).toBe(false);
  });

  test("every operation has a summary and a description", () => {
    const missing = operations
      .filter(({ op }) => !(typeof op.summary === "string" && op.summary.length > 3 && typeof op.description === "string" && op.description.length > 10))
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  test("every operation behind a token declares the bearer scheme; public ones declare none", async () => {
    // The route table says which routes need a token: an unauthenticated call answers 401 `Token missing`.
    const wrong: string[] = [];
    for (const { method, path, op } of operations) {
      const url = path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
      const res = await t.app.inject({ method: method.toUpperCase() as "GET", url, payload: method === "get" ? undefined : {} });
      const needsToken = res.statusCode === 401 && res.json().message === "Token missing";
      const declares = JSON.stringify(op.security ?? []) === JSON.stringify([{ bearerAuth: [] }]);
      if (needsToken !== declares) wrong.push(`${method.toUpperCase()} ${path}: needs token ${needsToken}, declares ${declares}`);
    }
    expect(wrong).toEqual([]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  test("every response has a description other than the generator's default, and every error the envelope", () => {
    const bad: string[] = [];
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const where = `${method.toUpperCase()} ${path} ${status}`;
        if (!response.description || response.description === "Default Response") bad.push(`${where}: no description`);
        const schema = response.content?.["application/json"]?.schema;
        if (!schema) bad.push(`${where}: no schema`);
        else if (Number(status) >= 400) {
          if (!["reqId", "statusCode", "error"].every((k) => schema.required?.includes(k))) bad.push(`${where}: not the envelope`);
          if (JSON.stringify(schema.properties?.statusCode?.enum) !== JSON.stringify([Number(status)])) bad.push(`${where}: statusCode`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test("protected operations list 401 and 403; operations with a body list 422; all list 500", () => {
    const bad: string[] = [];
    for (const { method, path, op } of operations) {
      const codes = Object.keys(op.responses);
      const where = `${method.toUpperCase()} ${path}`;
      if (op.security && !(codes.includes("401") && codes.includes("403"))) bad.push(`${where}: 401/403`);
      if (op.requestBody && !codes.includes("422")) bad.push(`${where}: 422`);
      if (!codes.includes("500")) bad.push(`${where}: 500`);
    }
    expect(bad).toEqual([]);
  });

  test("PATCH /api/v1/dynamic-secrets/{name}: If-Match, ETag, 412 and a request example", () => {
    const item = doc.paths["/api/v1/dynamic-secrets/{name}"];
    const patch = item.patch;
    // If-Match sits on the path item: the operation's own parameters are the seed contract's.
    expect(item.parameters).toEqual([expect.objectContaining({ in: "header", name: "If-Match", required: false })]);
    expect(patch.responses["200"].headers.etag.description).toMatch(/If-Match/);
    expect(patch.responses["412"].description).toMatch(/If-Match/);
    expect(patch.responses["412"].content["application/json"].schema.properties.statusCode.enum).toEqual([412]);
    const example = patch.requestBody.content["application/json"].example;
    expect(example).toMatchObject({ projectSlug: expect.any(String), environmentSlug: expect.any(String), data: expect.any(Object) });
    expect(item.get.responses["200"].headers.etag).toBeDefined();
  });

  test("the document is also served as YAML, with the same If-Match parameter (generated twice, not duplicated)", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/docs/yaml" });
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/name: If-Match/g)).toHaveLength(1);
  });
});
