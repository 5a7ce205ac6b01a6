import type { Migration } from "kysely";
import * as identitiesTokens from "./20260101T000000_identities_tokens.js";
import * as projectsEnvsFolders from "./20260101T000100_projects_envs_folders.js";
import * as rolesMemberships from "./20260101T000200_roles_memberships.js";
import * as kmsKeys from "./20260101T000300_kms_keys.js";
import * as dynamicSecrets from "./20260101T000400_dynamic_secrets.js";
import * as auditLogs from "./20260101T000500_audit_logs.js";
import * as identityAdditionalPrivileges from "./20260102T000000_identity_additional_privileges.js";
import * as dynamicSecretLeases from "./20261201T000100_dynamic_secret_leases.js";
import * as pendingDeletions from "./20261201T000200_pending_deletions.js";

// Explicit, ordered list: no directory scanning, so bundling and tests see the same set.
export const migrations: Record<string, Migration> = {
  "20260101T000000_identities_tokens": identitiesTokens,
  "20260101T000100_projects_envs_folders": projectsEnvsFolders,
  "20260101T000200_roles_memberships": rolesMemberships,
  "20260101T000300_kms_keys": kmsKeys,
  "20260101T000400_dynamic_secrets": dynamicSecrets,
  "20260101T000500_audit_logs": auditLogs,
  "20260102T000000_identity_additional_privileges": identityAdditionalPrivileges,
  "20261201T000100_dynamic_secret_leases": dynamicSecretLeases,
  "20261201T000200_pending_deletions": pendingDeletions,
};
