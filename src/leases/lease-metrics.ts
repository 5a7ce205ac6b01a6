import { Counter, Gauge, type Registry } from "prom-client";
import type { Executor } from "../db/database.js";
import { leaseStatistics, type LeaseStatistics } from "./lease.repository.js";
import { LeaseStatus } from "./lease.state.js";

// The lease metrics of D40. Labels are the provider type and the lease state, fixed sets: never a
// secret's name or id, a lease id or a username. The gauges read the table at scrape time (one
// grouped statement, shared by both), so every replica reports the same database-wide truth.

const STATE_LABELS: Record<string, string> = {
  [LeaseStatus.Creating]: "creating",
  [LeaseStatus.FailedToDelete]: "failed_to_delete",
  [LeaseStatus.Revoking]: "revoking",
};
const stateOf = (status: string | null): string => (status === null ? "active" : (STATE_LABELS[status] ?? "other"));
const STATES = ["active", "creating", "revoking", "failed_to_delete"];

export function createLeaseMetrics(registry: Registry, { db }: { db: Executor }) {
  const revocations = new Counter({
    name: "dynamic_secret_lease_revocations_total",
    help: "Leases revoked (API revoke, expiry, secret deletion, cleanup of failed creates), by provider type",
    labelNames: ["provider"],
    registers: [registry],
  });
  const failures = new Counter({
    name: "dynamic_secret_lease_revocation_failures_total",
    help: "Revocation attempts the target refused or did not answer (retried with backoff, D27), by provider type",
    labelNames: ["provider"],
    registers: [registry],
  });

  // The two gauges are collected concurrently: one statement in flight serves both.
  let inFlight: Promise<LeaseStatistics | undefined> | undefined;
  const statistics = () =>
    // A database outage leaves the two gauges out of the scrape rather than failing all of it.
    (inFlight ??= leaseStatistics(db)
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));

  new Gauge({
    name: "dynamic_secret_leases",
    help: "Leases in the database by state: active, creating, revoking (a revocation in progress), failed_to_delete (revocation failed, being retried)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      this.reset();
      const stats = await statistics();
      if (!stats) return;
      for (const state of STATES) this.set({ state }, 0);
      for (const { status, count } of stats.byStatus) this.inc({ state: stateOf(status) }, count);
    },
  });
  new Gauge({
    name: "dynamic_secret_lease_oldest_overdue_seconds",
    help: "Seconds since the expireAt of the oldest lease that is past it and not yet revoked (0 when none)",
    registers: [registry],
    async collect() {
      this.reset();
      const stats = await statistics();
      if (stats) this.set(stats.oldestOverdueSeconds);
    },
  });

  return {
    /** Called once per revocation attempt, whatever triggered it. */
    revocation(provider: string, ok: boolean): void {
      (ok ? revocations : failures).inc({ provider });
    },
  };
}

export type LeaseMetrics = ReturnType<typeof createLeaseMetrics>;
