import type { Kysely, Transaction } from "kysely";
import type { IdentityProjectAdditionalPrivilegesTable } from "./tables/additional-privilege.table.js";
import type { AuditLogsTable } from "./tables/audit-log.table.js";
import type { DynamicSecretsTable, ResourceMetadataTable } from "./tables/dynamic-secret.table.js";
import type {
  IdentitiesTable,
  IdentityAccessTokensTable,
  IdentityTokenAuthsTable,
  IdentityUaClientSecretsTable,
  IdentityUniversalAuthsTable,
  InstanceSettingsTable,
  OrganizationsTable,
  OrgMembershipsTable,
  UsersTable,
} from "./tables/identity.table.js";
import type { ProjectDataKeysTable } from "./tables/kms-key.table.js";
import type { DynamicSecretLeasesTable, PendingDeletionsTable } from "./tables/lease.table.js";
import type { ProjectEnvironmentsTable, ProjectsTable, SecretFoldersTable } from "./tables/project.table.js";
import type {
  IdentityProjectMembershipRolesTable,
  IdentityProjectMembershipsTable,
  ProjectRolesTable,
} from "./tables/role.table.js";

export type Database = {
  organizations: OrganizationsTable;
  instance_settings: InstanceSettingsTable;
  users: UsersTable;
  identities: IdentitiesTable;
  org_memberships: OrgMembershipsTable;
  identity_universal_auths: IdentityUniversalAuthsTable;
  identity_ua_client_secrets: IdentityUaClientSecretsTable;
  identity_token_auths: IdentityTokenAuthsTable;
  identity_access_tokens: IdentityAccessTokensTable;
  projects: ProjectsTable;
  project_environments: ProjectEnvironmentsTable;
  secret_folders: SecretFoldersTable;
  project_roles: ProjectRolesTable;
  identity_project_memberships: IdentityProjectMembershipsTable;
  identity_project_membership_roles: IdentityProjectMembershipRolesTable;
  identity_project_additional_privileges: IdentityProjectAdditionalPrivilegesTable;
  project_data_keys: ProjectDataKeysTable;
  dynamic_secrets: DynamicSecretsTable;
  resource_metadata: ResourceMetadataTable;
  audit_logs: AuditLogsTable;
  dynamic_secret_leases: DynamicSecretLeasesTable;
  pending_deletions: PendingDeletionsTable;
};

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repositories take either the pool or a transaction. */
export type Executor = Kysely<Database>;
