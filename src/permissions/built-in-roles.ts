import type { PermissionRule } from "./ability.js";
import {
  OrgPermissionActions,
  OrgPermissionIdentityActions,
  OrgPermissionSubjects,
  PROJECT_SUBJECT_ACTIONS,
  ProjectPermissionActions,
  ProjectPermissionDynamicSecretActions,
  ProjectPermissionIdentityActions,
  ProjectPermissionSecretActions,
  ProjectPermissionSub,
  type BuiltInOrgRole,
  type BuiltInProjectRole,
} from "./actions.js";

// Built-in project and organization roles. Every rule is
// unconditional, one rule per subject, `action` an array and `subject` a plain string — the shape
// PermissionDenied details show for built-in roles.

const CRUD = Object.values(ProjectPermissionActions);
const rule = (subject: string, action: readonly string[]): PermissionRule => ({ action: [...action], subject });

const adminRules: PermissionRule[] = Object.entries(PROJECT_SUBJECT_ACTIONS).map(([subject, actions]) => rule(subject, actions));

const memberRules: PermissionRule[] = [
  rule(ProjectPermissionSub.Secrets, Object.values(ProjectPermissionSecretActions)),
  rule(ProjectPermissionSub.SecretFolders, CRUD),
  rule(ProjectPermissionSub.SecretImports, CRUD),
  rule(ProjectPermissionSub.DynamicSecrets, Object.values(ProjectPermissionDynamicSecretActions)),
  rule(ProjectPermissionSub.SecretApproval, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.SecretRotation, CRUD),
  rule(ProjectPermissionSub.SecretRollback, [ProjectPermissionActions.Read, ProjectPermissionActions.Create]),
  rule(ProjectPermissionSub.Member, [ProjectPermissionActions.Read, ProjectPermissionActions.Create]),
  rule(ProjectPermissionSub.Groups, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Integrations, CRUD),
  rule(ProjectPermissionSub.Webhooks, CRUD),
  rule(ProjectPermissionSub.Identity, [
    ProjectPermissionIdentityActions.Read,
    ProjectPermissionIdentityActions.Create,
    ProjectPermissionIdentityActions.Edit,
    ProjectPermissionIdentityActions.Delete,
  ]),
  rule(ProjectPermissionSub.ServiceTokens, CRUD),
  rule(ProjectPermissionSub.Settings, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Environments, CRUD),
  rule(ProjectPermissionSub.Tags, CRUD),
  rule(ProjectPermissionSub.Role, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.AuditLogs, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.IpAllowList, [ProjectPermissionActions.Read]),
];

const viewerRules: PermissionRule[] = [
  rule(ProjectPermissionSub.Secrets, [
    ProjectPermissionSecretActions.DescribeAndReadValue,
    ProjectPermissionSecretActions.DescribeSecret,
    ProjectPermissionSecretActions.ReadValue,
  ]),
  rule(ProjectPermissionSub.SecretFolders, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.SecretImports, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.DynamicSecrets, [ProjectPermissionDynamicSecretActions.ReadRootCredential]),
  rule(ProjectPermissionSub.SecretApproval, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.SecretRollback, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Member, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Groups, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Role, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Integrations, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Webhooks, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Identity, [ProjectPermissionIdentityActions.Read]),
  rule(ProjectPermissionSub.ServiceTokens, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Settings, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Environments, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.Tags, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.AuditLogs, [ProjectPermissionActions.Read]),
  rule(ProjectPermissionSub.IpAllowList, [ProjectPermissionActions.Read]),
];

export const BUILT_IN_PROJECT_ROLE_RULES: Record<BuiltInProjectRole, readonly PermissionRule[]> = {
  admin: adminRules,
  member: memberRules,
  viewer: viewerRules,
  "no-access": [],
};

export function isBuiltInProjectRole(slug: string): slug is BuiltInProjectRole {
  return Object.hasOwn(BUILT_IN_PROJECT_ROLE_RULES, slug);
}

const ORG_CRUD = Object.values(OrgPermissionActions);

export const BUILT_IN_ORG_ROLE_RULES: Record<BuiltInOrgRole, readonly PermissionRule[]> = {
  admin: [
    rule(OrgPermissionSubjects.Workspace, ORG_CRUD),
    rule(OrgPermissionSubjects.Role, ORG_CRUD),
    rule(OrgPermissionSubjects.Member, ORG_CRUD),
    rule(OrgPermissionSubjects.Settings, ORG_CRUD),
    rule(OrgPermissionSubjects.Identity, Object.values(OrgPermissionIdentityActions)),
    rule(OrgPermissionSubjects.AuditLogs, [OrgPermissionActions.Read]),
  ],
  member: [
    rule(OrgPermissionSubjects.Workspace, [OrgPermissionActions.Read, OrgPermissionActions.Create]),
    rule(OrgPermissionSubjects.Role, [OrgPermissionActions.Read]),
    rule(OrgPermissionSubjects.Member, [OrgPermissionActions.Read]),
    rule(OrgPermissionSubjects.Settings, [OrgPermissionActions.Read]),
    rule(OrgPermissionSubjects.Identity, [OrgPermissionIdentityActions.Read]),
    rule(OrgPermissionSubjects.AuditLogs, [OrgPermissionActions.Read]),
  ],
  "no-access": [],
};

export function isBuiltInOrgRole(slug: string): slug is BuiltInOrgRole {
  return Object.hasOwn(BUILT_IN_ORG_ROLE_RULES, slug);
}
