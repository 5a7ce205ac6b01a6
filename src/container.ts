import type { Config } from "./config.js";
import type { Db } from "./db/database.js";
import { createAuthService } from "./auth/auth.service.js";
import { createBootstrapService } from "./auth/bootstrap.service.js";
import { createUniversalAuthService } from "./auth/universal-auth.service.js";
import { createIdentityService } from "./identities/identity.service.js";
import { createPermissionService } from "./permissions/permission.service.js";
import { createEnvironmentService } from "./projects/environment.service.js";
import { createFolderService } from "./projects/folder.service.js";
import { createMembershipService } from "./projects/membership.service.js";
import { createPrivilegeService } from "./projects/privilege.service.js";
import { createProjectService } from "./projects/project.service.js";
import { createRoleService } from "./projects/role.service.js";
import { createAuditLogService } from "./audit/audit-log.service.js";
import { createAuditWriter } from "./audit/audit-writer.js";
import { createDynamicSecretService } from "./dynamic-secrets/dynamic-secret.service.js";
import { createBuiltinProviderRegistry, providerContextFrom, type ProviderRegistry } from "./dynamic-secrets/providers/index.js";
import { createKmsService } from "./kms/kms.service.js";
import { createLeaseQueue } from "./jobs/lease-queue.js";
import { createLeaseExpiryService } from "./leases/lease-expiry.service.js";
import { createLeaseService } from "./leases/lease.service.js";
import { staleCreatingAfterMs } from "./leases/lease.state.js";
import { createLeaseMetrics } from "./leases/lease-metrics.js";
import { createTargetClient } from "./leases/revocation.js";
import { createCaches } from "./lib/caches.js";
import { createMetrics, type PoolStats } from "./metrics/metrics.js";

// Composition root: database → permissions/audit/kms → feature services → leases and jobs.
// Repositories are plain functions taking the database or a transaction, imported by their own
// feature's services: nothing here builds one. Kept explicit and short; routes receive only the
// services they use.
export function createContainer({
  config,
  db,
  dbHost,
  providers = createBuiltinProviderRegistry(),
  poolStats,
}: {
  config: Config;
  db: Db;
  dbHost?: string;
  /** Tests pass a registry with fakes for third-party systems. */
  providers?: ProviderRegistry;
  /** The database pool's occupancy, for metrics. */
  poolStats?: () => PoolStats;
}) {
  const metrics = createMetrics({ poolStats });
  const permissionService = createPermissionService({ db });
  const authService = createAuthService({ db, config });
  const auditWriter = createAuditWriter(config.auditLogRetentionDays);
  const projectService = createProjectService({ db, permissionService, auditWriter });
  const environmentService = createEnvironmentService({ db, permissionService, auditWriter });
  const folderService = createFolderService({ db, permissionService, auditWriter });
  const identityService = createIdentityService({ db, permissionService, auditWriter, auth: authService });
  const bootstrapService = createBootstrapService({ db, config, identities: identityService });
  const universalAuthService = createUniversalAuthService({ db, config, auditWriter, permissionService, identities: identityService });
  const roleService = createRoleService({ db, permissionService, auditWriter });
  const membershipService = createMembershipService({ db, permissionService, identities: identityService });
  const privilegeService = createPrivilegeService({ db, permissionService });
  const caches = createCaches();
  const kmsService = createKmsService({ db, rootKey: config.rootKey, rootKeyId: config.rootKeyId, caches });
  const providerContext = providerContextFrom({ ...config, dbHost });
  const leaseMetrics = createLeaseMetrics(metrics.registry, { db });
  const leaseTarget = createTargetClient({ providers, providerContext, kms: kmsService, metrics: leaseMetrics });
  const leaseQueue = createLeaseQueue();
  const dynamicSecretService = createDynamicSecretService({
    db,
    providers,
    providerContext,
    target: leaseTarget,
    kms: kmsService,
    auth: authService,
    projects: projectService,
    permissions: permissionService,
    folders: folderService,
    auditWriter,
  });
  const auditLogService = createAuditLogService({ db, permissions: permissionService });
  const leaseDeps = { db, target: leaseTarget, queue: leaseQueue, staleCreatingMs: staleCreatingAfterMs(config.providerConnectionTimeoutMs) };
  const leaseService = createLeaseService({
    ...leaseDeps,
    auth: authService,
    projects: projectService,
    permissions: permissionService,
    folders: folderService,
    maxLeaseLimit: config.maxLeaseLimit,
    auditWriter,
  });
  const leaseExpiryService = createLeaseExpiryService(leaseDeps);
  return {
    config,
    db,
    metrics,
    dbHost,
    permissionService,
    authService,
    projectService,
    environmentService,
    folderService,
    bootstrapService,
    universalAuthService,
    identityService,
    roleService,
    membershipService,
    privilegeService,
    providers,
    kmsService,
    dynamicSecretService,
    auditLogService,
    leaseService,
    leaseExpiryService,
    leaseQueue,
  };
}

export type Container = ReturnType<typeof createContainer>;
