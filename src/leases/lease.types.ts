import type { PendingAuth } from "../auth/auth.service.js";
import type { Actor } from "../lib/actor.js";
import type { RequestContext } from "../http/request-context.js";
import type { Locator } from "../dynamic-secrets/dynamic-secret.types.js";

/** A lease as the services see it (Infisical's lease fields plus the retry state of D27). */
export type Lease = {
  id: string;
  version: number;
  externalEntityId: string;
  expireAt: Date;
  status: string | null;
  statusDetails: string | null;
  dynamicSecretId: string;
  createdAt: Date;
  updatedAt: Date;
  config: unknown;
  revokeAttempts: number;
};

/** What the API answers: the row without the retry bookkeeping. */
export type LeaseView = Omit<Lease, "revokeAttempts">;

type Caller = { actor: Actor; ctx: RequestContext };

/** Lease creation's caller may still be pending: its token row is read with the secret (auth.plugin's "deferred"). */
export type CreateLeaseInput = Omit<Caller, "actor"> & { actor: Actor | PendingAuth } & Locator & {
    dynamicSecretName: string;
    ttl?: string;
    config?: unknown;
  };
export type LeaseLocatorInput = Caller & Locator & { leaseId: string };
export type RenewLeaseInput = LeaseLocatorInput & { ttl?: string };
export type RevokeLeaseInput = LeaseLocatorInput & { isForced: boolean };
export type ListLeasesInput = Caller & Locator & { name: string };
