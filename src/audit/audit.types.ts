import type { Actor } from "../auth/actor.js";
import type { RequestContext } from "../http/request-context.js";

// Event types and their metadata (auth-and-permissions.md §D.2). One union, so a writer cannot
// pair an event type with another event's metadata.

export const EventType = {
  CreateDynamicSecret: "create-dynamic-secret",
  UpdateDynamicSecret: "update-dynamic-secret",
  DeleteDynamicSecret: "delete-dynamic-secret",
  GetDynamicSecret: "get-dynamic-secret",
  ListDynamicSecrets: "list-dynamic-secrets",
  CreateDynamicSecretLease: "create-dynamic-secret-lease",
  GetDynamicSecretLease: "get-dynamic-secret-lease",
  RenewDynamicSecretLease: "renew-dynamic-secret-lease",
  DeleteDynamicSecretLease: "delete-dynamic-secret-lease",
  ListDynamicSecretLeases: "list-dynamic-secret-leases",
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES = Object.values(EventType) as [EventType, ...EventType[]];

type DynamicSecretIds = {
  dynamicSecretName: string;
  dynamicSecretType: string;
  dynamicSecretId: string;
  environment: string;
  secretPath: string;
  projectId: string;
};

export type AuditEvent =
  | {
      type: typeof EventType.CreateDynamicSecret;
      metadata: DynamicSecretIds & {
        defaultTTL: string;
        maxTTL: string | null;
        gatewayV2Id: string | null;
        usernameTemplate: string | null;
      };
    }
  /** updatedFields: sorted changed field paths; names only, never values. */
  | { type: typeof EventType.UpdateDynamicSecret; metadata: DynamicSecretIds & { updatedFields: string[] } }
  | { type: typeof EventType.DeleteDynamicSecret; metadata: DynamicSecretIds }
  | { type: typeof EventType.GetDynamicSecret; metadata: DynamicSecretIds }
  | { type: typeof EventType.ListDynamicSecrets; metadata: { environment: string; secretPath: string; projectId: string } }
  /** Lease events (leases.md §1): ids and times only, never the credentials (D34). */
  | { type: typeof EventType.CreateDynamicSecretLease; metadata: LeaseIds & { leaseExpireAt: Date } }
  | { type: typeof EventType.GetDynamicSecretLease; metadata: LeaseIds & { leaseExpireAt: Date } }
  | { type: typeof EventType.RenewDynamicSecretLease; metadata: LeaseIds & { newLeaseExpireAt: Date } }
  | { type: typeof EventType.DeleteDynamicSecretLease; metadata: LeaseIds & { leaseStatus: string | null; isForced: boolean } }
  | { type: typeof EventType.ListDynamicSecretLeases; metadata: DynamicSecretIds & { leaseCount: number } };

type LeaseIds = DynamicSecretIds & { leaseId: string; leaseExternalEntityId: string };

/** Everything one audit row records. */
export type AuditEntry = {
  actor: Actor;
  ctx: RequestContext;
  orgId: string;
  project?: { id: string; name: string };
  event: AuditEvent;
};

export type AuditLog = {
  id: string;
  ipAddress: string | null;
  userAgent: string | null;
  userAgentType: string | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  orgId: string | null;
  projectId: string | null;
  projectName: string | null;
  event: { type: string; metadata: Record<string, unknown> | null };
  actor: { type: string; metadata: Record<string, unknown> };
};

export type AuditLogFilter = {
  orgId: string;
  projectId?: string;
  actorType?: string;
  /** Matches actorMetadata.userId only (Infisical parity: identities are never found this way). */
  actorId?: string;
  eventTypes?: string[];
  userAgentType?: string;
  eventMetadata?: Record<string, string>;
  /** environment / secretPath / secretKey, each an exact match on the event metadata. */
  location?: Record<string, string>;
  startDate: Date;
  endDate: Date;
  offset: number;
  limit: number;
};
