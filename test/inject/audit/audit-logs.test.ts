import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { auth, createDynamicSecret, createFixture, createMember, type Fixture, patchBody, type TestIdentity } from "../../support/factories.js";
import { envelope } from "../dynamic-secrets/patch-support.js";

// GET /api/v1/organization/audit-logs (auth-and-permissions.md §D.3, §F.9).

let t: DsTestApp;
let f: Fixture;
let member: TestIdentity;
let viewer: TestIdentity;

const listLogs = (query: string, as: TestIdentity = f.admin) =>
  t.app.inject({ method: "GET", url: `/api/v1/organization/audit-logs?${query}`, headers: auth(as) });

beforeAll(async () => {
  t = await buildDsTestApp({ env: { AUDIT_LOG_RETENTION_DAYS: "30" } });
  f = await createFixture(t, "audit");
  member = await createMember(t, f, "member", { builtIn: ["member"] });
  viewer = await createMember(t, f, "viewer", { builtIn: ["viewer"] });
  await createDynamicSecret(t, f, "totp-root");
  await createDynamicSecret(t, f, "totp-other");
  const patch = (name: string, as: TestIdentity, data: unknown) =>
    t.app.inject({ method: "PATCH", url: `/api/v1/dynamic-secrets/${name}`, headers: auth(as), payload: patchBody(f, data) });
  expect((await patch("totp-root", member, { defaultTTL: "2h" })).statusCode).toBe(200);
  expect((await patch("totp-root", viewer, { defaultTTL: "3h" })).statusCode).toBe(403);
  expect((await patch("totp-other", f.admin, { maxTTL: null })).statusCode).toBe(200);
});
afterAll(async () => t?.close());

describe("listing", () => {
  test("F.9 63: project + event type + actor type + metadata filters; newest first; Infisical's shape", async () => {
    const res = await listLogs(
      `projectId=${f.project.id}&eventType=update-dynamic-secret&actorType=identity&eventMetadata=${encodeURIComponent("dynamicSecretName=totp-root")}`,
    );
    expect(res.statusCode).toBe(200);
    const logs = res.json().auditLogs;
    expect(logs).toHaveLength(1);
    expect(logs[0]).toEqual({
      id: expect.any(String),
      ipAddress: "127.0.0.1",
      userAgent: "lightMyRequest",
      userAgentType: "other",
      expiresAt: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      orgId: f.orgId,
      projectId: f.project.id,
      projectName: f.project.name,
      event: {
        type: "update-dynamic-secret",
        metadata: {
          dynamicSecretName: "totp-root",
          dynamicSecretType: "totp",
          dynamicSecretId: expect.any(String),
          environment: "dev",
          secretPath: "/",
          projectId: f.project.id,
          updatedFields: ["defaultTTL"],
        },
      },
      actor: { type: "identity", metadata: { identityId: member.id, name: member.name } },
    });
    const days = (Date.parse(logs[0].expiresAt) - Date.parse(logs[0].createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  test("F.9 64: failed requests are not audited", async () => {
    const res = await listLogs(`projectId=${f.project.id}&eventType=update-dynamic-secret`);
    const actors = res.json().auditLogs.map((l: { actor: { metadata: { identityId: string } } }) => l.actor.metadata.identityId);
    expect(actors).not.toContain(viewer.id);
    expect(actors).toHaveLength(2);
  });

  test("F.9 64b: the actor filter matches user ids only, so it never finds identities", async () => {
    const res = await listLogs(`projectId=${f.project.id}&actor=${member.id}`);
    expect(res.json()).toEqual({ auditLogs: [] });
  });

  test("several event types, newest first, with paging", async () => {
    const all = (await listLogs(`projectId=${f.project.id}&eventType=create-dynamic-secret,update-dynamic-secret&limit=1000`)).json().auditLogs;
    expect(all.map((l: { event: { type: string } }) => l.event.type).sort()).toEqual([
      "create-dynamic-secret",
      "create-dynamic-secret",
      "update-dynamic-secret",
      "update-dynamic-secret",
    ]);
    const times = all.map((l: { createdAt: string }) => Date.parse(l.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const page = (await listLogs(`projectId=${f.project.id}&eventType=create-dynamic-secret,update-dynamic-secret&offset=1&limit=2`)).json().auditLogs;
    expect(page.map((l: { id: string }) => l.id)).toEqual(all.slice(1, 3).map((l: { id: string }) => l.id));
  });

  test("without projectId: the organization's logs, for an org member with audit-logs:read", async () => {
    const res = await listLogs("eventType=create-dynamic-secret,update-dynamic-secret");
    expect(res.json().auditLogs).toHaveLength(4);
  });

  test("dates: a window in the past finds nothing; the defaults start at last midnight UTC", async () => {
    const res = await listLogs(`startDate=2020-01-01T00:00:00Z&endDate=2020-02-01T00:00:00Z`);
    expect(res.json()).toEqual({ auditLogs: [] });
  });

  test("rows past their retention are not listed", async () => {
    const before = (await listLogs(`projectId=${f.project.id}&eventType=create-dynamic-secret`)).json().auditLogs;
    await t.testDb.db.updateTable("audit_logs").set({ expires_at: new Date(Date.now() - 1000) }).where("id", "=", before[0].id).execute();
    const after = (await listLogs(`projectId=${f.project.id}&eventType=create-dynamic-secret`)).json().auditLogs;
    expect(after.map((l: { id: string }) => l.id)).toEqual(before.slice(1).map((l: { id: string }) => l.id));
  });

  test("another organization sees none of these rows", async () => {
    const other = await createFixture(t, "audit-other");
    const res = await listLogs("limit=1000", other.admin);
    const orgs = new Set(res.json().auditLogs.map((l: { orgId: string }) => l.orgId));
    expect(orgs.has(f.orgId)).toBe(false);
  });
});

describe("errors", () => {
  test("F.9 65: org-wide listing needs the org's audit-logs:read", async () => {
    const res = await listLogs("", viewer);
    expect(res.json()).toEqual(envelope(403, "PermissionDenied", "You are not allowed to read on audit-logs", { details: [] }));
  });

  test("a project the actor is not a member of → 403", async () => {
    const other = await createFixture(t, "audit-x");
    const res = await listLogs(`projectId=${other.project.id}`, member);
    expect(res.statusCode).toBe(403);
  });

  test.each([
    ["endDate before startDate", "startDate=2026-02-01T00:00:00Z&endDate=2026-01-01T00:00:00Z", "End date cannot be before start date"],
    ["more than three months", "startDate=2026-01-01T00:00:00Z&endDate=2026-04-02T00:00:00Z", "Dates must be within 3 months"],
  ])("%s → 422", async (_label, query, message) => {
    const res = await listLogs(query);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual(envelope(422, "ValidationFailure", [expect.objectContaining({ code: "custom", path: ["endDate"], message })]));
  });

  test.each([["limit=1001"], ["limit=0"], ["offset=-1"], ["startDate=yesterday"], ["eventMetadata=novalue"], ["actorType=robot"]])(
    "%s → 422",
    async (query) => {
      expect((await listLogs(query)).statusCode).toBe(422);
    },
  );

  test("no token → 401", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/v1/organization/audit-logs" });
    expect(res.json()).toEqual(envelope(401, "UnauthorizedError", "Token missing"));
  });
});
