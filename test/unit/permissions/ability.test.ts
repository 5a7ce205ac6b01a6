import { describe, expect, test } from "vitest";
import { createAbility, customRoleRules, globMatches, isGrantActive, isValidGlob, missingPermissions, type PermissionRule } from "../../../src/permissions/ability.js";
import { ProjectPermissionDynamicSecretActions as DS, ProjectPermissionSub } from "../../../src/permissions/actions.js";
import { BUILT_IN_PROJECT_ROLE_RULES } from "../../../src/permissions/built-in-roles.js";
import { PermissionDeniedError } from "../../../src/lib/errors.js";

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
const EDIT = DS.EditRootCredential;
const READ = DS.ReadRootCredential;

const custom = (...rules: Array<Omit<PermissionRule, "subject" | "action"> & { action: string | string[] }>) =>
  createAbility(customRoleRules(rules.map((r) => ({ subject: SUBJECT, ...r }))));

const secret = (environment: string, secretPath: string, metadata: { key: string; value: string }[] = []) => ({
  environment,
  secretPath,
  metadata,
});

describe("$glob on secret paths (auth-and-permissions.md §B.3 table)", () => {
  const paths = ["/", "/app", "/app/db", "/app/x/y", "/apple", "/App/db", "/app/.hidden"] as const;
  const table: [string, boolean[]][] = [
    ["/app/**", [false, true, true, true, false, false, false]],
    ["/app/*", [false, false, true, false, false, false, false]],
    ["/app", [false, true, false, false, false, false, false]],
    ["/**", [true, true, true, true, true, true, false]],
    ["/*", [false, true, false, false, true, false, false]],
    ["/", [true, false, false, false, false, false, false]],
    ["/{app,web}/**", [false, true, true, true, false, false, false]],
    ["/app*", [false, true, false, false, true, false, false]],
    ["**", [true, true, true, true, true, true, false]],
  ];
  test.each(table)("pattern %s", (pattern, expected) => {
    expect(paths.map((path) => globMatches(path, pattern))).toEqual(expected);
    const ability = custom({ action: [EDIT], conditions: { secretPath: { $glob: pattern } } });
    expect(paths.map((path) => ability.can(EDIT, SUBJECT, secret("dev", path)))).toEqual(expected);
  });

  test("environment globs use the same matcher; an empty pattern never matches", () => {
    const ability = custom({ action: [EDIT], conditions: { environment: { $glob: "d*" } } });
    expect(ability.can(EDIT, SUBJECT, secret("dev", "/"))).toBe(true);
    expect(ability.can(EDIT, SUBJECT, secret("staging", "/"))).toBe(false);
    expect(globMatches("dev", "")).toBe(false);
  });

  test("glob validity", () => {
    expect(isValidGlob("/app/**")).toBe(true);
    expect(isValidGlob("/{app,web}/*")).toBe(true);
  });
});

describe("environment and secretPath operators", () => {
  test.each([
    [{ environment: "dev" }, ["dev"], ["prod"]],
    [{ environment: { $eq: "dev" } }, ["dev"], ["prod"]],
    [{ environment: { $ne: "prod" } }, ["dev", "staging"], ["prod"]],
    [{ environment: { $in: ["dev", "staging"] } }, ["dev", "staging"], ["prod"]],
  ])("%j", (conditions, allowed, denied) => {
    const ability = custom({ action: [EDIT], conditions });
    for (const env of allowed) expect(ability.can(EDIT, SUBJECT, secret(env, "/"))).toBe(true);
    for (const env of denied) expect(ability.can(EDIT, SUBJECT, secret(env, "/"))).toBe(false);
  });

  test("secretPath $eq is exact; several fields in one rule are ANDed; rules are ORed", () => {
    const eq = custom({ action: [EDIT], conditions: { secretPath: { $eq: "/app" } } });
    expect(eq.can(EDIT, SUBJECT, secret("dev", "/app"))).toBe(true);
    expect(eq.can(EDIT, SUBJECT, secret("dev", "/app/db"))).toBe(false);

    const and = custom({ action: [EDIT], conditions: { environment: "dev", secretPath: { $glob: "/app/**" } } });
    expect(and.can(EDIT, SUBJECT, secret("dev", "/app"))).toBe(true);
    expect(and.can(EDIT, SUBJECT, secret("prod", "/app"))).toBe(false);

    const or = custom(
      { action: [EDIT], conditions: { environment: "dev", secretPath: "/other" } },
      { action: [EDIT], conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } },
    );
    expect(or.can(EDIT, SUBJECT, secret("dev", "/other"))).toBe(true);
    expect(or.can(EDIT, SUBJECT, secret("prod", "/app"))).toBe(true);
    expect(or.can(EDIT, SUBJECT, secret("dev", "/app"))).toBe(false);
  });

  test("$ne on a missing field is true", () => {
    const ability = custom({ action: [EDIT], conditions: { environment: { $ne: "prod" } } });
    expect(ability.can(EDIT, SUBJECT, { secretPath: "/" })).toBe(true);
  });
});

describe("metadata $elemMatch", () => {
  const teamA = { metadata: { $elemMatch: { key: { $eq: "team" }, value: { $eq: "a" } } } };
  test.each([
    [teamA, [{ key: "team", value: "a" }], true],
    [teamA, [{ key: "team", value: "b" }], false],
    [teamA, [], false],
    [teamA, [{ key: "tier", value: "1" }, { key: "team", value: "a" }], true],
    [{ metadata: { $elemMatch: { key: { $eq: "team" } } } }, [{ key: "team", value: "b" }], true],
    [{ metadata: { $elemMatch: { key: { $eq: "team" }, value: { $ne: "a" } } } }, [{ key: "team", value: "a" }], false],
    [{ metadata: { $elemMatch: { value: { $in: ["a", "b"] } } } }, [{ key: "x", value: "b" }], true],
  ])("%j on %j → %s", (conditions, metadata, expected) => {
    const ability = custom({ action: [READ, EDIT], conditions });
    expect(ability.can(EDIT, SUBJECT, secret("dev", "/app", metadata))).toBe(expected);
  });

  test("missing metadata never matches", () => {
    const ability = custom({ action: [EDIT], conditions: teamA });
    expect(ability.can(EDIT, SUBJECT, { environment: "dev", secretPath: "/" })).toBe(false);
  });
});

describe("inverted rules and denial details (§B.6)", () => {
  test("a later inverted rule wins for matching subjects; details list it first", () => {
    const ability = custom(
      { action: [READ, EDIT] },
      { action: [EDIT], inverted: true, conditions: { environment: "prod" } },
    );
    expect(ability.can(EDIT, SUBJECT, secret("dev", "/"))).toBe(true);
    expect(ability.can(EDIT, SUBJECT, secret("prod", "/"))).toBe(false);
    expect(ability.can(READ, SUBJECT, secret("prod", "/"))).toBe(true);
    let thrown: unknown;
    try {
      ability.assertCan(EDIT, SUBJECT, secret("prod", "/"));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PermissionDeniedError);
    expect((thrown as PermissionDeniedError).message).toBe("You are not allowed to edit-root-credential on dynamic-secrets");
    expect(JSON.stringify((thrown as PermissionDeniedError).details)).toBe(
      JSON.stringify([
        { action: ["edit-root-credential"], inverted: true, subject: ["dynamic-secrets"], conditions: { environment: "prod" } },
        { action: ["read-root-credential", "edit-root-credential"], inverted: false, subject: ["dynamic-secrets"] },
      ]),
    );
  });

  test("built-in rules keep a string subject; unrelated rules are not in details", () => {
    const viewer = createAbility(BUILT_IN_PROJECT_ROLE_RULES.viewer);
    expect(viewer.rulesFor(EDIT, SUBJECT)).toEqual([]);
    expect(viewer.rulesFor(READ, SUBJECT)).toEqual([{ action: [READ], inverted: false, subject: SUBJECT }]);
    const member = createAbility(BUILT_IN_PROJECT_ROLE_RULES.member);
    expect(member.can(EDIT, SUBJECT, secret("prod", "/x"))).toBe(true);
    expect(createAbility(BUILT_IN_PROJECT_ROLE_RULES["no-access"]).can(READ, SUBJECT)).toBe(false);
  });

  test("conditional details keep their conditions as written", () => {
    const ability = custom({ action: [READ, EDIT], conditions: { environment: { $eq: "dev" } } });
    expect(ability.rulesFor(EDIT, SUBJECT)).toEqual([
      { action: [READ, EDIT], inverted: false, subject: [SUBJECT], conditions: { environment: { $eq: "dev" } } },
    ]);
  });
});

describe("built-in roles (§B.4)", () => {
  test.each([
    ["admin", [READ, DS.CreateRootCredential, EDIT, DS.DeleteRootCredential, DS.Lease]],
    ["member", [READ, DS.CreateRootCredential, EDIT, DS.DeleteRootCredential, DS.Lease]],
    ["viewer", [READ]],
    ["no-access", []],
  ] as const)("%s on dynamic-secrets", (role, actions) => {
    const ability = createAbility(BUILT_IN_PROJECT_ROLE_RULES[role]);
    expect(Object.values(DS).filter((action) => ability.can(action, SUBJECT, secret("prod", "/a")))).toEqual(actions);
  });
});

describe("temporary grants", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  test.each([
    [{ isTemporary: false, temporaryAccessEndTime: null }, true],
    [{ isTemporary: true, temporaryAccessEndTime: new Date("2026-01-01T11:00:00Z") }, false],
    [{ isTemporary: true, temporaryAccessEndTime: new Date("2026-01-01T13:00:00Z") }, true],
    [{ isTemporary: true, temporaryAccessEndTime: null }, false],
  ])("%j → %s", (grant, expected) => {
    expect(isGrantActive(grant, now)).toBe(expected);
  });
});

describe("privilege boundary", () => {
  test("lists what the holder cannot do", () => {
    const viewer = createAbility(BUILT_IN_PROJECT_ROLE_RULES.viewer);
    expect(missingPermissions(viewer, [{ subject: SUBJECT, action: [READ, EDIT] }])).toEqual([{ action: EDIT, subject: SUBJECT }]);
    const admin = createAbility(BUILT_IN_PROJECT_ROLE_RULES.admin);
    expect(missingPermissions(admin, BUILT_IN_PROJECT_ROLE_RULES.member)).toEqual([]);
  });
});
