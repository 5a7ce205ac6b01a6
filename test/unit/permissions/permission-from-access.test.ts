import { describe, expect, test } from "vitest";
import { ProjectPermissionDynamicSecretActions as DS, ProjectPermissionSub } from "../../../src/permissions/actions.js";
import { permissionFromAccess } from "../../../src/permissions/permission.service.js";
import type { ProjectAccess, ProjectAccessRole } from "../../../src/permissions/permission.repository.js";

// Compiled abilities are shared: by content for custom rules, by slugs for built-in roles alone
// (abilityFor). Whatever was compiled before, a member's permission is that of all its active grants.

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
const at = { environment: "dev", secretPath: "/app", metadata: [] };
const grant = (slug: string, extra: Partial<ProjectAccessRole> = {}): ProjectAccessRole => ({
  slug,
  customRoleId: null,
  customRules: null,
  isTemporary: false,
  temporaryAccessEndTime: null,
  ...extra,
});
const access = (roles: ProjectAccessRole[], privileges: ProjectAccessRole[] = []): ProjectAccess & { membershipId: string } => ({
  project: { id: "p", name: "p", orgId: "o", type: "secret-manager" },
  membershipId: "m",
  roles,
  privileges,
});
const editRule = [{ subject: SUBJECT, action: [DS.EditRootCredential] }];

describe("permissionFromAccess", () => {
  test("built-in roles alone, then the same roles with a privilege or a custom role: each grant counts", () => {
    const builtIn = permissionFromAccess(access([grant("no-access")]));
    expect(builtIn.can(DS.EditRootCredential, SUBJECT, at)).toBe(false);
    expect(permissionFromAccess(access([grant("no-access")])).can(DS.EditRootCredential, SUBJECT, at)).toBe(false);

    const withPrivilege = permissionFromAccess(access([grant("no-access")], [grant("edit", { customRules: editRule })]));
    expect(withPrivilege.can(DS.EditRootCredential, SUBJECT, at)).toBe(true);
    const expired = grant("edit", { customRules: editRule, isTemporary: true, temporaryAccessEndTime: new Date(Date.now() - 1000) });
    expect(permissionFromAccess(access([grant("no-access")], [expired])).can(DS.EditRootCredential, SUBJECT, at)).toBe(false);

    const withCustom = permissionFromAccess(access([grant("no-access"), grant("editor", { customRoleId: "r", customRules: editRule })]));
    expect(withCustom.can(DS.EditRootCredential, SUBJECT, at)).toBe(true);
    // …and the built-in ability itself was not changed by them.
    expect(permissionFromAccess(access([grant("no-access")])).can(DS.EditRootCredential, SUBJECT, at)).toBe(false);
  });

  test("built-in roles: the same slugs share one ability; other slugs or another order do not", () => {
    const rulesOf = (slugs: string[]) => permissionFromAccess(access(slugs.map((slug) => grant(slug)))).rules;
    expect(rulesOf(["member"])).toBe(rulesOf(["member"]));
    expect(rulesOf(["member"])).not.toBe(rulesOf(["admin"]));
    expect(rulesOf(["member", "admin"])).not.toBe(rulesOf(["admin", "member"]));
    expect(permissionFromAccess(access([grant("admin")])).can(DS.EditRootCredential, SUBJECT, at)).toBe(true);
    expect(permissionFromAccess(access([grant("no-access"), grant("admin")])).can(DS.EditRootCredential, SUBJECT, at)).toBe(true);
  });
});
