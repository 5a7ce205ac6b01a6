import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";

// Every failure Fastify itself can produce answers with our envelope (D14, D15).
const REQ_ID = /^req-[0-9A-Za-z]{14}$/;
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({
    extend: (app) => {
      app.get("/api/test/throw", async () => {
        throw new Error("connection to 10.0.0.5 failed: password=hunter2");
      });
      app.post("/api/test/echo", async (request) => ({ body: request.body ?? null }));
    },
  });
});
afterAll(async () => t.close());

describe("error envelopes", () => {
  test("unknown route → 404 NotFound envelope with reqId and x-request-id", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/v1/nope?x=1" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = res.json();
    expect(body).toEqual({ reqId: expect.stringMatching(REQ_ID), statusCode: 404, message: "Route GET:/api/v1/nope not found", error: "NotFound" });
    expect(res.headers["x-request-id"]).toBe(body.reqId);
  });

  test("PATCH without a name → 404 envelope", async () => {
    const res = await t.app.inject({ method: "PATCH", url: "/api/v1/dynamic-secrets/" , payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, error: "NotFound" });
  });

  test("malformed JSON → 400 BadRequest", async () => {
    const res = await t.app.inject({ method: "POST", url: "/api/test/echo", headers: { "content-type": "application/json" }, payload: '{"a":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ reqId: expect.stringMatching(REQ_ID), statusCode: 400, message: "Body is not valid JSON", error: "BadRequest" });
  });

  test("empty body sent as application/json → 400 BadRequest", async () => {
    const res = await t.app.inject({ method: "POST", url: "/api/test/echo", headers: { "content-type": "application/json" }, payload: "" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      reqId: expect.stringMatching(REQ_ID),
      statusCode: 400,
      message: "Body cannot be empty when content-type is set to 'application/json'",
      error: "BadRequest",
    });
  });

  test.each([
    ['{"__proto__":{"admin":true}}'],
    ['{"a":{"constructor":{"prototype":{"admin":true}}}}'],
  ])("prototype poisoning %s → 400 BadRequest", async (payload) => {
    const res = await t.app.inject({ method: "POST", url: "/api/test/echo", headers: { "content-type": "application/json" }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      reqId: expect.stringMatching(REQ_ID),
      statusCode: 400,
      message: "Body contains a forbidden prototype property",
      error: "BadRequest",
    });
  });

  test("unsupported content type → 415", async () => {
    const res = await t.app.inject({ method: "POST", url: "/api/test/echo", headers: { "content-type": "application/xml" }, payload: "<a/>" });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({
      reqId: expect.stringMatching(REQ_ID),
      statusCode: 415,
      message: "Unsupported Media Type: use application/json",
      error: "UnsupportedMediaType",
    });
  });

  test("body over 1 MiB → 413", async () => {
    const payload = JSON.stringify({ big: "x".repeat(1_048_576) });
    const res = await t.app.inject({ method: "POST", url: "/api/test/echo", headers: { "content-type": "application/json" }, payload });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      reqId: expect.stringMatching(REQ_ID),
      statusCode: 413,
      message: "Request body is larger than 1 MiB",
      error: "PayloadTooLarge",
    });
  });

  test("a thrown error → 500 that reveals nothing internal", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/test/throw" });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ reqId: expect.stringMatching(REQ_ID), statusCode: 500, message: "Something went wrong", error: "InternalServerError" });
    expect(res.body).not.toContain("hunter2");
    expect(res.body).not.toContain("10.0.0.5");
  });

  test("request ids are generated per request, never taken from the client", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      const res = await t.app.inject({ method: "GET", url: "/api/status", headers: { "request-id": "req-client-chosen", "x-request-id": "mine" } });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-request-id"]).toMatch(REQ_ID);
      ids.add(String(res.headers["x-request-id"]));
    }
    expect(ids.size).toBe(20);
  });
});

describe("rate limiting (D16)", () => {
  test("write routes answer 429 RateLimitExceeded with Retry-After past the limit, per route", async () => {
    const limited = await buildTestApp({
      env: { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_WRITE_PER_MINUTE: "3", TRUST_PROXY: "loopback" },
      extend: (app) => {
        app.post("/api/test/a", async () => ({ ok: true }));
        app.post("/api/test/b", async () => ({ ok: true }));
      },
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        expect((await limited.app.inject({ method: "POST", url: "/api/test/a" })).statusCode).toBe(200);
      }
      const res = await limited.app.inject({ method: "POST", url: "/api/test/a" });
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({
        reqId: expect.stringMatching(REQ_ID),
        statusCode: 429,
        message: expect.stringMatching(/^Rate limit exceeded\. Please try again in \d+ seconds$/),
        error: "RateLimitExceeded",
      });
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      // Another route keeps its own budget; another client (forwarded by a trusted proxy) too.
      expect((await limited.app.inject({ method: "POST", url: "/api/test/b" })).statusCode).toBe(200);
      const other = await limited.app.inject({ method: "POST", url: "/api/test/a", headers: { "x-forwarded-for": "203.0.113.7" } });
      expect(other.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
