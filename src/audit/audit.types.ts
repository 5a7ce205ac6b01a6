import type { Actor } from "../lib/actor.js";
import type { RequestContext } from "../http/request-context.js";

// Event types and their metadata. One union, so a writer cannot
// pair an event type with another event's metadata.

export const EventType = {
  CreateDynamicSecret: "create-dynamic-secret",
  UpdateDynamicSecret: "update-dynamic-secret",
  DeleteDynamicSecret: "delete-dynamic-secret",
  GetDynamicSecret: "get-dynamic-secret",
  ListDynamicSecrets: "list-dynamic-secrets",
  UpdateProject: "update-project",
  DeleteProject: "delete-project",
  GetEnvironment: "get-environment",
  UpdateEnvironment: "update-environment",
  DeleteEnvironment: "delete-environment",
  UpdateFolder: "update-folder",
  DeleteFolder: "delete-folder",
  UpdateIdentity: "update-identity",
  DeleteIdentity: "delete-identity",
  GetIdentityUniversalAuthClientSecrets: "get-identity-universal-auth-client-secret",
  RevokeIdentityUniversalAuthClientSecret: "revoke-identity-universal-auth-client-secret",
  RevokeIdentityAccessTokens: "revoke-identity-access-tokens",
  UpdateProjectRole: "update-project-role",
  DeleteProjectRole: "delete-project-role",
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
  /** Lease events: ids and times only, never the credentials (D34). */
  | { type: typeof EventType.CreateDynamicSecretLease; metadata: LeaseIds & { leaseExpireAt: Date } }
  | { type: typeof EventType.GetDynamicSecretLease; metadata: LeaseIds & { leaseExpireAt: Date } }
  | { type: typeof EventType.RenewDynamicSecretLease; metadata: LeaseIds & { newLeaseExpireAt: Date } }
  | { type: typeof EventType.DeleteDynamicSecretLease; metadata: LeaseIds & { leaseStatus: string | null; isForced: boolean } }
  | { type: typeof EventType.ListDynamicSecretLeases; metadata: DynamicSecretIds & { leaseCount: number } }
  | ManagementAuditEvent;

type LeaseIds = DynamicSecretIds & { leaseId: string; leaseExternalEntityId: string };

/** Events of the management routes, with Infisical's metadata (never a secret value). */
export type ManagementAuditEvent =
  /** The request body, as Infisical records it. */
  | { type: typeof EventType.UpdateProject; metadata: Record<string, unknown> }
  | { type: typeof EventType.DeleteProject; metadata: Record<string, unknown> }
  | { type: typeof EventType.GetEnvironment; metadata: { id: string } }
  | {
      type: typeof EventType.UpdateEnvironment;
      metadata: { oldName: string; newName: string; oldSlug: string; newSlug: string; oldPos: number; newPos: number };
    }
  | { type: typeof EventType.DeleteEnvironment; metadata: { name: string; slug: string } }
  | {
      type: typeof EventType.UpdateFolder;
      metadata: { environment: string; folderId: string; oldFolderName: string; newFolderName: string; folderPath: string };
    }
  | { type: typeof EventType.DeleteFolder; metadata: { environment: string; folderId: string; folderName: string; folderPath: string } }
  | { type: typeof EventType.UpdateIdentity; metadata: { name: string; identityId: string } }
  | { type: typeof EventType.DeleteIdentity; metadata: { identityId: string } }
  | { type: typeof EventType.GetIdentityUniversalAuthClientSecrets; metadata: { identityId: string } }
  | { type: typeof EventType.RevokeIdentityUniversalAuthClientSecret; metadata: { identityId: string; clientSecretId: string } }
  | { type: typeof EventType.RevokeIdentityAccessTokens; metadata: { identityId: string; revokedCount: number } }
  | {
      type: typeof EventType.UpdateProjectRole;
      metadata: { roleId: string; slug?: string; name?: string; description?: string | null; permissions?: string };
    }
  | { type: typeof EventType.DeleteProjectRole; metadata: { roleId: string; slug: string; name: string } };

/** Everything one audit row records. The row belongs to the actor's organization. */
export type AuditEntry = {
  actor: Actor;
  ctx: RequestContext;
  project?: { id: string; name: string };
  event: AuditEvent;
};

/**
 * The column values of one audit row, as the audit writer computes them (`rowValues`): for a
 * feature whose single statement writes its change and its audit row together.
 */
export type AuditRowValues = {
  org_id: string;
  project_id: string | null;
  project_name: string | null;
  actor: string;
  actor_metadata: string;
  ip_address: string | null;
  user_agent: string | null;
  user_agent_type: string | null;
  event_type: string;
  event_metadata: string;
  expires_at: Date | null;
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
