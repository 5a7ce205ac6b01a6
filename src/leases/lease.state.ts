import { BadRequestError } from "../lib/errors.js";

// The lease state machine, in one place (Vault's expiration manager as the anchor).
//
//   (none) ──begin──▶ creating ──activate──▶ active ──┐   renew (active only, not overdue)
//                        │                            │
//                        │  claim (API revoke, expiry, deletion, a failed create's undo)
//                        └──────────────┬─────────────┘
//                                       ▼
//                                   revoking ──target ok / forced──▶ (deleted)
//                                    │    ▲
//                       target failed│    │claim (retry due, API revoke)
//                                    ▼    │
//                                 Failed to delete
//
// Revocation claims the row first (a short UPDATE: `revoking`, committed), calls the target with
// no transaction open, then deletes the row or records the failure. Only one caller can claim a
// row, so each credential is revoked once, and no database connection waits on a target (on the
// embedded database there is only one). A `revoking` row left by a dead process is claimable
// again once stale. Revoked leases are deleted, never flagged (Infisical parity). `creating` rows
// are invisible to every response (D25); the worker cleans up the ones a dead process left behind.

export const LeaseStatus = {
  Creating: "creating",
  Active: null,
  /** Claimed by one revoker; the target is being called. */
  Revoking: "revoking",
  FailedToDelete: "Failed to delete",
} as const;
export type LeaseStatus = (typeof LeaseStatus)[keyof typeof LeaseStatus];

export type LeaseState = { status: string | null; expireAt: Date };

/** D27: first retry after 5 s, doubling, never more than an hour apart. */
export const FIRST_RETRY_MS = 5_000;
export const MAX_RETRY_MS = 3_600_000;
export const STATUS_DETAILS_MAX = 255;

export const LEASE_EXPIRED = "Dynamic secret lease has expired";
export const LEASE_BEING_REVOKED = "Dynamic secret lease is being revoked";

export const isCreating = (lease: { status: string | null }): boolean => lease.status === LeaseStatus.Creating;

/** Visible to the API: every row except the ones still being created. */
export const isVisible = (lease: { status: string | null }): boolean => !isCreating(lease);

/** D28: only an active lease that is not yet due may be renewed. `now` is the database's clock. */
export function assertRenewable(lease: LeaseState, now: Date): void {
  if (lease.status !== LeaseStatus.Active) throw new BadRequestError(LEASE_BEING_REVOKED);
  if (lease.expireAt.getTime() <= now.getTime()) throw new BadRequestError(LEASE_EXPIRED);
}

/** Delay before the next attempt once `attempts` attempts have failed (attempts ≥ 1). */
export function retryDelayMs(attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(FIRST_RETRY_MS * 2 ** exponent, MAX_RETRY_MS);
}

/** D27: the status details of a failed revocation, cut to the column after composing. */
export function failureDetails(message: string): string {
  return message.slice(0, STATUS_DETAILS_MAX);
}

/** The row a failed revocation leaves: `Failed to delete`, details, attempts + 1, next attempt time. */
export function afterFailedRevocation(attempts: number, message: string) {
  const revokeAttempts = attempts + 1;
  return {
    status: LeaseStatus.FailedToDelete,
    statusDetails: failureDetails(message),
    revokeAttempts,
    retryInMs: retryDelayMs(revokeAttempts),
  };
}

/**
 * D25: a `creating` row older than this belongs to a process that died between "row committed"
 * and "credential recorded"; the worker revokes and deletes it.
 */
export function staleCreatingAfterMs(providerTimeoutMs: number): number {
  return 2 * providerTimeoutMs;
}
