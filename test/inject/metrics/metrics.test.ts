import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { builtinProviders, createProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";
import { defineProvider } from "../../../src/dynamic-secrets/providers/provider.js";
import { BadRequestError } from "../../../src/lib/errors.js";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { usingRealPostgres } from "../../support/db.js";
import { bootstrapInstance, createFolder, createProject } from "../../support/factories.js";

// D40: GET /metrics in Prometheus text format — requests by route template and status with latency
// histograms, pool use, leases by state, revocations and their failures, the oldest overdue lease —
// and never a secret, a secret's name or a token in it.

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
    const off = await buildTestApp({ env: { METRICS_ENABLED: "false" }, testDb: t.testDb });
    try {
      const res = await off.app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ statusCode: 404, error: "NotFound" });
    } finally {
      await off.close();
    }
  });
});

describe("GET /metrics: leases (D40)", () => {
  // A second app on the same database, whose registry also knows a lease target that can be told
  // to refuse revocations (a fake of a third-party system, like the inject suites' fake-sql).
  let l: TestApp;
  let refuseRevocation = false;
  const LEASE_SECRET = "metrics-canary-lease-secret";
  const FLAKY_SECRET = "metrics-canary-flaky-secret";
  const flakyTarget = defineProvider({
    type: "fake-target",
    inputsSchema: z.object({ host: z.string() }),
    secretFields: [],
    leaseEntityId: "username",
    async validateConnection() {},
    async create() {
      return { data: { USERNAME: "canary-user", PASSWORD: "canary-password" } };
    },
    async revoke() {
      if (refuseRevocation) throw new BadRequestError("target refused");
    },
  });
  const locator = { projectSlug: "metrics-proj", environmentSlug: "dev", path: "/app" };
  const auth = () => ({ authorization: `Bearer ${token}` });
  const leaseIds: string[] = [];
  const usernames: string[] = [];

  async function createSecret(name: string, provider: object) {
    const res = await l.app.inject({ method: "POST", url: "/api/v1/dynamic-secrets", headers: auth(), payload: { ...locator, name, provider, defaultTTL: "1h" } });
    expect(res.statusCode).toBe(200);
  }
  async function createLease(name: string): Promise<string> {
    const res = await l.app.inject({ method: "POST", url: "/api/v1/dynamic-secrets/leases", headers: auth(), payload: { ...locator, dynamicSecretName: name } });
    expect(res.statusCode).toBe(200);
    leaseIds.push(res.json().lease.id);
    usernames.push(res.json().lease.externalEntityId);
    return res.json().lease.id;
  }
  const revoke = (id: string) =>
    l.app.inject({ method: "DELETE", url: `/api/v1/dynamic-secrets/leases/${id}`, headers: auth(), payload: { ...locator } });
  async function scrape(): Promise<{ body: string; samples: Sample[]; value: (name: string, labels?: Record<string, string>) => number | undefined }> {
    const res = await l.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    const samples = parseSamples(res.body);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    return { body: res.body, samples, value };
  }

  beforeAll(async () => {
    l = await buildTestApp({ testDb: t.testDb, providers: createProviderRegistry([...builtinProviders, flakyTarget]) });
    await createSecret(LEASE_SECRET, { type: "totp", inputs: { configType: "manual", secret: TOTP_SECRET } });
    await createSecret(FLAKY_SECRET, { type: "fake-target", inputs: { host: "target.example" } });
  });
  afterAll(async () => l?.close());

  test("before any lease: every state at 0, no overdue lease, no revocation yet", async () => {
    const m = await scrape();
    for (const state of ["active", "creating", "failed_to_delete"]) expect(m.value("dynamic_secret_leases", { state })).toBe(0);
    expect(m.value("dynamic_secret_lease_oldest_overdue_seconds")).toBe(0);
    expect(m.samples.filter((s) => s.name.startsWith("dynamic_secret_lease_revocation"))).toEqual([]);
  });

  test("create, revoke, a refused revocation, an overdue lease and its expiry: states, counters and age", async () => {
    const [first, second] = [await createLease(LEASE_SECRET), await createLease(LEASE_SECRET)];
    const flaky = await createLease(FLAKY_SECRET);
    let m = await scrape();
    expect(m.value("dynamic_secret_leases", { state: "active" })).toBe(3);

    expect((await revoke(first)).statusCode).toBe(200);
    refuseRevocation = true;
    const refused = await revoke(flaky);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/^Failed to revoke lease from provider/);
    m = await scrape();
    expect(m.value("dynamic_secret_lease_revocations_total", { provider: "totp" })).toBe(1);
    expect(m.value("dynamic_secret_lease_revocation_failures_total", { provider: "fake-target" })).toBe(1);
    expect(m.value("dynamic_secret_lease_revocations_total", { provider: "fake-target" })).toBeUndefined();
    expect(m.value("dynamic_secret_leases", { state: "active" })).toBe(1);
    expect(m.value("dynamic_secret_leases", { state: "failed_to_delete" })).toBe(1);
    expect(m.value("dynamic_secret_lease_oldest_overdue_seconds")).toBe(0);

    // The remaining TOTP lease passes its expireAt a minute ago (tests move time by writing expire_at).
    await t.testDb.db.updateTable("dynamic_secret_leases").set({ expire_at: new Date(Date.now() - 60_000) }).where("id", "=", second).execute();
    m = await scrape();
    expect(m.value("dynamic_secret_lease_oldest_overdue_seconds")).toBeGreaterThanOrEqual(59);
    expect(m.value("dynamic_secret_lease_oldest_overdue_seconds")).toBeLessThan(120);

    // The expiry sweep revokes it (the refused one is not due again yet): counted like an API revoke.
    refuseRevocation = false;
    await l.container.leaseExpiryService.sweep();
    m = await scrape();
    expect(m.value("dynamic_secret_lease_revocations_total", { provider: "totp" })).toBe(2);
    expect(m.value("dynamic_secret_leases", { state: "active" })).toBe(0);
    expect(m.value("dynamic_secret_lease_oldest_overdue_seconds")).toBe(0);

    // Forced, the failed lease goes too.
    expect((await l.app.inject({ method: "DELETE", url: `/api/v1/dynamic-secrets/leases/${flaky}`, headers: auth(), payload: { ...locator, isForced: true } })).statusCode).toBe(200);
    m = await scrape();
    expect(m.value("dynamic_secret_lease_revocations_total", { provider: "fake-target" })).toBe(1);
    expect(m.value("dynamic_secret_leases", { state: "failed_to_delete" })).toBe(0);
  });

  test("lease metrics carry only their fixed labels; no secret, name, lease id, username or credential", async () => {
    const m = await scrape();
    const leaseSamples = m.samples.filter((s) => s.name.startsWith("dynamic_secret_lease"));
    expect(new Set(leaseSamples.map((s) => s.name))).toEqual(
      new Set([
        "dynamic_secret_leases",
        "dynamic_secret_lease_oldest_overdue_seconds",
        "dynamic_secret_lease_revocations_total",
        "dynamic_secret_lease_revocation_failures_total",
      ]),
    );
    for (const s of leaseSamples) {
      const allowed = s.name === "dynamic_secret_leases" ? ["state"] : s.name.endsWith("_total") ? ["provider"] : [];
      expect(Object.keys(s.labels)).toEqual(allowed);
    }
    expect(leaseIds.length).toBe(3);
    for (const needle of [LEASE_SECRET, FLAKY_SECRET, TOTP_SECRET, "canary-password", "target.example", ...leaseIds, ...usernames]) {
      expect(m.body).not.toContain(needle);
    }
  });
});
