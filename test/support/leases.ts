import type { TestApp } from "./app.js";
import { auth, type Fixture, type TestIdentity } from "./factories.js";

// Requests of the lease routes (leases.md §1), and lease rows read or moved in time directly.

export type LeaseCall = { status: number; body: any };

export async function call(t: TestApp, method: "GET" | "POST" | "DELETE", url: string, as: TestIdentity, payload?: object): Promise<LeaseCall> {
  const res = await t.app.inject({ method, url, headers: auth(as), ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() };
}

export const base = (f: Fixture, extra: Record<string, unknown> = {}) => ({ projectSlug: f.project.slug, environmentSlug: "dev", ...extra });

export const createLease = (t: TestApp, f: Fixture, dynamicSecretName: string, extra: Record<string, unknown> = {}, as = f.admin) =>
  call(t, "POST", "/api/v1/dynamic-secrets/leases", as, { ...base(f), dynamicSecretName, ...extra });

export const renewLease = (t: TestApp, f: Fixture, id: string, extra: Record<string, unknown> = {}, as = f.admin) =>
  call(t, "POST", `/api/v1/dynamic-secrets/leases/${id}/renew`, as, { ...base(f), ...extra });

export const revokeLease = (t: TestApp, f: Fixture, id: string, extra: Record<string, unknown> = {}, as = f.admin) =>
  call(t, "DELETE", `/api/v1/dynamic-secrets/leases/${id}`, as, { ...base(f), ...extra });

export const getLease = (t: TestApp, f: Fixture, id: string, query = "", as = f.admin) =>
  call(t, "GET", `/api/v1/dynamic-secrets/leases/${id}?projectSlug=${f.project.slug}&environmentSlug=dev${query}`, as);

export const listLeases = (t: TestApp, f: Fixture, name: string, query = "", as = f.admin) =>
  call(t, "GET", `/api/v1/dynamic-secrets/${name}/leases?projectSlug=${f.project.slug}&environmentSlug=dev${query}`, as);

/** Moves a lease's expiry into the past (tests move time by writing expire_at, never by sleeping). */
export async function expireNow(t: TestApp, leaseId: string): Promise<void> {
  await t.testDb.db
    .updateTable("dynamic_secret_leases")
    .set({ expire_at: new Date(Date.now() - 1000) })
    .where("id", "=", leaseId)
    .execute();
}

export async function leaseRow(t: TestApp, id: string) {
  return t.testDb.db.selectFrom("dynamic_secret_leases").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function auditEvents(t: TestApp, type: string) {
  return t.testDb.db.selectFrom("audit_logs").selectAll().where("event_type", "=", type).orderBy("created_at").execute();
}
