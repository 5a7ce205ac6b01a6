// Subject and action strings of Infisical's project and organization permissions. They are wire
// values: custom roles store them and 403 details echo them, so they must never change.

export enum ProjectPermissionSub {
  Role = "role",
  Member = "member",
  Groups = "groups",
  Settings = "settings",
  Integrations = "integrations",
  Webhooks = "webhooks",
  ServiceTokens = "service-tokens",
  Environments = "environments",
  Tags = "tags",
  AuditLogs = "audit-logs",
  IpAllowList = "ip-allowlist",
  Workspace = "workspace",
  Secrets = "secrets",
  SecretFolders = "secret-folders",
  SecretImports = "secret-imports",
  DynamicSecrets = "dynamic-secrets",
  SecretRollback = "secret-rollback",
  SecretApproval = "secret-approval",
  SecretRotation = "secret-rotation",
  Identity = "identity",
  Kms = "kms",
}

/** The generic CRUD actions (environments, secret-folders, role, audit-logs, workspace, …). */
export enum ProjectPermissionActions {
  Read = "read",
  Create = "create",
  Edit = "edit",
  Delete = "delete",
}

export enum ProjectPermissionDynamicSecretActions {
  ReadRootCredential = "read-root-credential",
  CreateRootCredential = "create-root-credential",
  EditRootCredential = "edit-root-credential",
  DeleteRootCredential = "delete-root-credential",
  Lease = "lease",
}

export enum ProjectPermissionSecretActions {
  DescribeAndReadValue = "read",
  DescribeSecret = "describeSecret",
  ReadValue = "readValue",
  Create = "create",
  Edit = "edit",
  Delete = "delete",
}

export enum ProjectPermissionIdentityActions {
  Read = "read",
  Create = "create",
  Edit = "edit",
  Delete = "delete",
  GrantPrivileges = "grant-privileges",
  AssumePrivileges = "assume-privileges",
  RevokeAuth = "revoke-auth",
  CreateToken = "create-token",
  GetToken = "get-token",
  DeleteToken = "delete-token",
}

export enum ProjectPermissionMemberActions {
  Read = "read",
  Create = "create",
  Edit = "edit",
  Delete = "delete",
  GrantPrivileges = "grant-privileges",
}

/** Every action a project subject accepts (validation of custom roles, built-in admin rules). */
export const PROJECT_SUBJECT_ACTIONS: Record<ProjectPermissionSub, readonly string[]> = {
  [ProjectPermissionSub.Role]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Member]: Object.values(ProjectPermissionMemberActions),
  [ProjectPermissionSub.Groups]: Object.values(ProjectPermissionMemberActions),
  [ProjectPermissionSub.Settings]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Integrations]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Webhooks]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.ServiceTokens]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Environments]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Tags]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.AuditLogs]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.IpAllowList]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Workspace]: [ProjectPermissionActions.Edit, ProjectPermissionActions.Delete],
  [ProjectPermissionSub.Secrets]: Object.values(ProjectPermissionSecretActions),
  [ProjectPermissionSub.SecretFolders]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.SecretImports]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.DynamicSecrets]: Object.values(ProjectPermissionDynamicSecretActions),
  [ProjectPermissionSub.SecretRollback]: [ProjectPermissionActions.Read, ProjectPermissionActions.Create],
  [ProjectPermissionSub.SecretApproval]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.SecretRotation]: Object.values(ProjectPermissionActions),
  [ProjectPermissionSub.Identity]: Object.values(ProjectPermissionIdentityActions),
  [ProjectPermissionSub.Kms]: [ProjectPermissionActions.Edit],
};

/** Subjects whose rules may carry environment / secretPath conditions. */
export const PATH_SCOPED_SUBJECTS: readonly ProjectPermissionSub[] = [
  ProjectPermissionSub.DynamicSecrets,
  ProjectPermissionSub.Secrets,
  ProjectPermissionSub.SecretFolders,
  ProjectPermissionSub.SecretImports,
];

// Organization level.
export enum OrgPermissionSubjects {
  Workspace = "workspace",
  Role = "role",
  Member = "member",
  Settings = "settings",
  Identity = "identity",
  AuditLogs = "audit-logs",
}

export enum OrgPermissionActions {
  Read = "read",
  Create = "create",
  Edit = "edit",
  Delete = "delete",
}

export enum OrgPermissionIdentityActions {
  Read = "read",
  Create = "create",
  Edit = "edit",
  Delete = "delete",
  GrantPrivileges = "grant-privileges",
  RevokeAuth = "revoke-auth",
  CreateToken = "create-token",
  GetToken = "get-token",
  DeleteToken = "delete-token",
}

/** The project role slugs that exist without a project_roles row; custom roles cannot use them. */
export const BUILT_IN_PROJECT_ROLES = ["admin", "member", "viewer", "no-access"] as const;
export type BuiltInProjectRole = (typeof BUILT_IN_PROJECT_ROLES)[number];
export const RESERVED_PROJECT_ROLE_SLUGS = [
  "admin",
  "member",
  "custom",
  "viewer",
  "no-access",
  "ssh-host-bootstrapper",
  "cryptographic-operator",
] as const;

export const BUILT_IN_ORG_ROLES = ["admin", "member", "no-access"] as const;
export type BuiltInOrgRole = (typeof BUILT_IN_ORG_ROLES)[number];
