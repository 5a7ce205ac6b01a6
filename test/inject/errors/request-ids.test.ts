import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { envelope } from "../../support/envelope.js";

// D15: every response carries x-request-id equal to the envelope's reqId, whatever produced it —
// a route, the router (a path parameter over 100 characters), or the HTTP parser.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

/** Every route the router knows, from its own tree (so routes hidden from the docs count too). */
function registeredRoutes(tree: string): { path: string; methods: string[] }[] {
  const routes: { path: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = line.match(/^([│ ├└─]*)(\S.*?) \(([A-Z, ]+)\)$/) ?? line.match(/^([│ ├└─]*)(\S.*)$/);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth - 1] = m[2]!;
    if (m[3]) routes.push({ path: stack.join(""), methods: m[3].split(", ") });
  }
  return routes;
}

describe("x-request-id on every response", () => {
  test("every registered route with a parameter over 100 characters → 404 envelope with x-request-id", async () => {
    const routes = registeredRoutes(t.app.printRoutes({ commonPrefix: false }));
    const withParams = routes.filter((r) => r.path.includes("/:"));
    // The walk covers the whole API: it must not silently find nothing.
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(withParams.map((r) => r.path)).toContain("/api/v1/dynamic-secrets/:name");
    let checked = 0;
    for (const route of withParams) {
      // `:projectId|:projectSlug` is one parameter position shared by two routes.
      const url = route.path.replace(/:[A-Za-z]+(\|:[A-Za-z]+)*/g, "a".repeat(101));
      for (const method of route.methods) {
        const res = await t.app.inject({ method: method as "GET", url });
        expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 404 });
        expect(res.headers["x-request-id"]).toMatch(/^req-[0-9A-Za-z]{14}$/);
        if (method !== "HEAD") {
          expect(res.json()).toEqual(envelope(404, "NotFound", `Route ${method}:${url} not found`));
          expect(res.json().reqId).toBe(res.headers["x-request-id"]);
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(withParams.length);
  });

  test("the same parameter at 100 characters reaches the route (the limit is the router's, not the test's)", async () => {
    const res = await t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets/${"a".repeat(100)}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().reqId).toBe(res.headers["x-request-id"]);
  });

  test.each([
    ["a malformed request line", "GARBAGE\r\n\r\n", 400, "BadRequest", "Malformed HTTP request"],
    ["headers over the limit", `GET /api/status HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`, 431, "RequestHeaderFieldsTooLarge", "Request header fields are too large"],
  ])("%s → the envelope with x-request-id, from the HTTP parser", async (_name, raw, status, error, message) => {
    if (!t.app.server.listening) await t.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = t.app.server.address() as net.AddressInfo;
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write(raw));
      let data = "";
      socket.on("data", (d) => (data += d));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    const [head, body] = response.split("\r\n\r\n");
    expect(head!.split("\r\n")[0]).toBe(`HTTP/1.1 ${status} ${status === 400 ? "Bad Request" : "Request Header Fields Too Large"}`);
    const reqId = head!.match(/^x-request-id: (.*)$/m)?.[1];
    expect(JSON.parse(body!)).toEqual(envelope(status, error, message));
    expect(JSON.parse(body!).reqId).toBe(reqId);
  });
});
