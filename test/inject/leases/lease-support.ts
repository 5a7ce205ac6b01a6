import type { DsTestApp, Fixture, TestIdentity } from "../dynamic-secrets/fixtures.js";
import { auth } from "../dynamic-secrets/fixtures.js";

// Requests of the lease routes (leases.md §1) for the inject suites.

export type LeaseCall = { status: number; body: any };

export async function call(t: DsTestApp, method: "GET" | "POST" | "DELETE", url: string, as: TestIdentity, payload?: object): Promise<LeaseCall> {
  const res = await t.app.inject({ method, url, headers: auth(as), ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() };
}

export const base = (f: Fixture, extra: Record<string, unknown> = {}) => ({ projectSlug: f.project.slug, environmentSlug: "dev", ...extra });

export const createLease = (t: DsTestApp, f: Fixture, dynamicSecretName: string, extra: Record<string, unknown> = {}, as = f.admin) =>
  call(t, "POST", "/api/v1/dynamic-secrets/leases", as, { ...base(f), dynamicSecretName, ...extra });

export const renewLease = (t: DsTestApp, f: Fixture, id: string, extra: Record<string, unknown> = {}, as = f.admin) =>
  call(t, "POST", `/api/v1/dynamic-secrets/leases/${id}/renew`, as, { ...base(f), ...extra });

export const revokeLease = (t: DsTestApp, f: Fixture, id: string, extra: Record<string, unknown> = {}, as = f.admin) =>
  call(t, "DELETE", `/api/v1/dynamic-secrets/leases/${id}`, as, { ...base(f), ...extra });

export const getLease = (t: DsTestApp, f: Fixture, id: string, query = "", as = f.admin) =>
  call(t, "GET", `/api/v1/dynamic-secrets/leases/${id}?projectSlug=${f.project.slug}&environmentSlug=dev${query}`, as);

export const listLeases = (t: DsTestApp, f: Fixture, name: string, query = "", as = f.admin) =>
  call(t, "GET", `/api/v1/dynamic-secrets/${name}/leases?projectSlug=${f.project.slug}&environmentSlug=dev${query}`, as);

/** Moves a lease's expiry into the past (tests move time by writing expire_at, never by sleeping). */
export async function expireNow(t: DsTestApp, leaseId: string): Promise<void> {
  await t.testDb.db
    .updateTable("dynamic_secret_leases")
    .set({ expire_at: new Date(Date.now() - 1000) })
    .where("id", "=", leaseId)
    .execute();
}

export async function leaseRow(t: DsTestApp, id: string) {
  return t.testDb.db.selectFrom("dynamic_secret_leases").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function auditEvents(t: DsTestApp, type: string) {
  return t.testDb.db.selectFrom("audit_logs").selectAll().where("event_type", "=", type).orderBy("created_at").execute();
}
