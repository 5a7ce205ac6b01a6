import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, createMember, type Fixture, patchBody, type TestIdentity } from "../../support/factories.js";
import { envelope } from "./patch-support.js";

// D36: two app instances ("replicas") on one database. A change made through one — a revoked
// token, a changed or removed membership, an edited custom role — is enforced by the other on
// its very next request, after that other has just served the same caller successfully.

let a: DsTestApp;
let b: DsTestApp;
let f: Fixture;

beforeAll(async () => {
  a = await buildDsTestApp();
  b = await buildDsTestApp({ shared: a });
  f = await createFixture(a, "replicas");
  await createDynamicSecret(a, f, "shared");
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const patchOn = (app: DsTestApp, as: TestIdentity, ttl: string) =>
  app.app.inject({
    method: "PATCH",
    url: "/api/v1/dynamic-secrets/shared",
    headers: { authorization: `Bearer ${as.token}` },
    payload: patchBody(f, { defaultTTL: ttl }),
  });

/** The caller is served by B twice (whatever B may keep from it is warm). */
async function warmOnB(m: TestIdentity) {
  for (const ttl of ["2h", "3h"]) expect((await patchOn(b, m, ttl)).statusCode).toBe(200);
}

describe("a change through replica A is enforced by replica B on its next request", () => {
  test("revoked token → 401", async () => {
    const m = await createMember(a, f, "revoked", { builtIn: ["admin"] });
    await warmOnB(m);
    const revoke = await a.app.inject({ method: "POST", url: "/api/v1/auth/token/revoke", payload: { accessToken: m.token } });
    expect(revoke.statusCode).toBe(200);
    const res = await patchOn(b, m, "4h");
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(envelope(401, "UnauthorizedError", "No identity access token found"));
  });

  test("membership removed → 403 not a member", async () => {
    const m = await createMember(a, f, "removed", { builtIn: ["admin"] });
    await warmOnB(m);
    const removed = await a.app.inject({
      method: "DELETE",
      url: `/api/v2/workspace/${f.project.id}/identity-memberships/${m.id}`,
      headers: { authorization: `Bearer ${f.admin.token}` },
    });
    expect(removed.statusCode).toBe(200);
    const res = await patchOn(b, m, "4h");
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(envelope(403, "You are not member of this project", "You are not allowed to access this resource"));
  });

  test("role changed from admin to viewer → 403 PermissionDenied; and back → 200", async () => {
    const m = await createMember(a, f, "demoted", { builtIn: ["admin"] });
    await warmOnB(m);
    const setRole = (role: string) =>
      a.app.inject({
        method: "PATCH",
        url: `/api/v2/workspace/${f.project.id}/identity-memberships/${m.id}`,
        headers: { authorization: `Bearer ${f.admin.token}` },
        payload: { roles: [{ role, isTemporary: false }] },
      });
    expect((await setRole("viewer")).statusCode).toBe(200);
    const denied = await patchOn(b, m, "4h");
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ statusCode: 403, error: "PermissionDenied", message: "You are not allowed to edit-root-credential on dynamic-secrets" });
    expect((await setRole("admin")).statusCode).toBe(200);
    expect((await patchOn(b, m, "5h")).statusCode).toBe(200);
  });

  test("custom role's rules edited (as a role update writes them) → enforced at once", async () => {
    const m = await createMember(a, f, "custom", {
      custom: [[{ subject: "dynamic-secrets", action: ["read-root-credential", "edit-root-credential"] }]],
    });
    await warmOnB(m);
    const { role_id } = await a.testDb.db
      .selectFrom("identity_project_membership_roles as r")
      .innerJoin("identity_project_memberships as pm", "pm.id", "r.membership_id")
      .select("r.custom_role_id as role_id")
      .where("pm.identity_id", "=", m.id)
      .executeTakeFirstOrThrow();
    await a.testDb.db
      .updateTable("project_roles")
      .set({ permissions: JSON.stringify([{ subject: "dynamic-secrets", action: ["read-root-credential"] }]) })
      .where("id", "=", role_id!)
      .execute();
    const res = await patchOn(b, m, "4h");
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: "PermissionDenied" });
  });
});
