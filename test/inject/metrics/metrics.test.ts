import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { usingRealPostgres } from "../../support/db.js";
import { bootstrapInstance, createFolder, createProject } from "../../support/factories.js";

// D40: GET /metrics in Prometheus text format — requests by route template and status with latency
// histograms, pool use — and never a secret, a secret's name or a token in it.

let t: TestApp;
let token: string;
const SECRET_NAME = "metrics-canary-secret-name";
const TOTP_SECRET = "JBSWY3DPEHPK3PXPMETRICSCANARY";

beforeAll(async () => {
  t = await buildTestApp();
  ({ token } = await bootstrapInstance(t.app));
  const project = await createProject(t.app, token, { slug: "metrics-proj" });
  await createFolder(t.app, token, { projectId: project.id, environment: "dev", path: "/", name: "app" });
  const auth = { authorization: `Bearer ${token}` };
  const created = await t.app.inject({
    method: "POST",
    url: "/api/v1/dynamic-secrets",
    headers: auth,
    payload: {
      projectSlug: "metrics-proj",
      environmentSlug: "dev",
      path: "/app",
      name: SECRET_NAME,
      provider: { type: "totp", inputs: { configType: "manual", secret: TOTP_SECRET } },
      defaultTTL: "1h",
    },
  });
  expect(created.statusCode).toBe(200);
  const patched = await t.app.inject({
    method: "PATCH",
    url: `/api/v1/dynamic-secrets/${SECRET_NAME}`,
    headers: auth,
    payload: { projectSlug: "metrics-proj", environmentSlug: "dev", path: "/app", data: { defaultTTL: "2h" } },
  });
  expect(patched.statusCode).toBe(200);
  expect((await t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets/${SECRET_NAME}?projectSlug=nope&environmentSlug=dev&path=/`, headers: auth })).statusCode).toBe(404);
  expect((await t.app.inject({ method: "GET", url: `/api/v1/no-such-route/${SECRET_NAME}` })).statusCode).toBe(404);
  expect((await t.app.inject({ method: "GET", url: `/api/v1/dynamic-secrets/${"x".repeat(101)}` })).statusCode).toBe(404);
});
afterAll(async () => t?.close());

type Sample = { name: string; labels: Record<string, string>; value: number };

function parseSamples(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
      if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

describe("GET /metrics", () => {
  test("serves the Prometheus text format with request counts and latency by route template and status", async () => {
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers["x-request-id"]).toMatch(/^req-/);
    const samples = parseSamples(res.body);
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

    const patchLabels = { method: "PATCH", route: "/api/v1/dynamic-secrets/:name", status_code: "200" };
    expect(find("http_requests_total", patchLabels)?.value).toBe(1);
    expect(find("http_request_duration_seconds_count", patchLabels)?.value).toBe(1);
    expect(find("http_request_duration_seconds_sum", patchLabels)?.value).toBeGreaterThan(0);
    expect(find("http_request_duration_seconds_bucket", { ...patchLabels, le: "+Inf" })?.value).toBe(1);
    expect(find("http_requests_total", { method: "POST", route: "/api/v1/dynamic-secrets", status_code: "200" })?.value).toBe(1);
    expect(find("http_requests_total", { method: "GET", route: "/api/v1/dynamic-secrets/:name", status_code: "404" })?.value).toBe(1);
    // Requests no route matched share one label value, whatever their URL.
    expect(find("http_requests_total", { method: "GET", route: "(unmatched)", status_code: "404" })?.value).toBe(2);

    // Only these labels, and route values are templates of registered routes.
    const httpSamples = samples.filter((s) => s.name.startsWith("http_request"));
    for (const s of httpSamples) {
      expect(Object.keys(s.labels).filter((k) => k !== "le").sort()).toEqual(["method", "route", "status_code"]);
      expect(s.labels.route).toMatch(/^(\(unmatched\)|\/[a-z0-9/:-]*)$/i);
    }
    // Process metrics of the maintained library's defaults.
    expect(samples.some((s) => s.name === "process_resident_memory_bytes")).toBe(true);
    expect(samples.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  });

  test("reports the PostgreSQL pool's connections and waiting queries (the embedded database has no pool)", async () => {
    const samples = parseSamples((await t.app.inject({ method: "GET", url: "/metrics" })).body);
    const pool = (state: string) => samples.find((s) => s.name === "db_pool_connections" && s.labels.state === state)?.value;
    if (!usingRealPostgres()) {
      expect(samples.filter((s) => s.name.startsWith("db_pool_"))).toEqual([]);
      return;
    }
    expect(pool("max")).toBe(10);
    expect(pool("total")).toBeGreaterThanOrEqual(1);
    expect(pool("in_use")! + pool("idle")!).toBe(pool("total"));
    expect(samples.find((s) => s.name === "db_pool_waiting_requests")?.value).toBe(0);
  });

  test("no secret, secret name, token or path parameter value appears in it", async () => {
    const body = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    for (const needle of [SECRET_NAME, TOTP_SECRET, token, token.split(".")[1]!, "metrics-proj", "x".repeat(101), "no-such-route"]) {
      expect(body).not.toContain(needle);
    }
  });

  test("METRICS_ENABLED=false: no /metrics route", async () => {
    const off = await buildTestApp({ METRICS_ENABLED: "false" }, t.testDb);
    try {
      const res = await off.app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ statusCode: 404, error: "NotFound" });
    } finally {
      await off.close();
    }
  });
});
