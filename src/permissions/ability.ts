import { buildMongoQueryMatcher, createMongoAbility, subject as asSubject, type MongoAbility, type RawRuleOf } from "@casl/ability";
import picomatch from "picomatch";
import { compiledRuleSets } from "../lib/caches.js";
import { PermissionDeniedError } from "../lib/errors.js";

// Pure: rule lists → can()/assertCan(). Conditions are CASL's Mongo operators plus `$glob`;
// evaluation order and denial details follow CASL.

/** A rule as stored and evaluated: `action` is always an array; custom-role subjects are arrays. */
export type PermissionRule = {
  action: string[];
  subject: string | string[];
  inverted?: boolean;
  conditions?: Record<string, unknown>;
};

/** One entry of a PermissionDenied envelope's `details`, in Infisical's key order. */
export type RuleDetail = {
  action: string[];
  inverted: boolean;
  subject: string | string[];
  conditions?: Record<string, unknown>;
};

/** Fields a path-scoped subject (dynamic-secrets, secret-folders, …) is checked against. */
export type SubjectFields = {
  environment?: string;
  secretPath?: string;
  metadata?: { key: string; value: string }[];
  [field: string]: unknown;
};

/**
 * The one way to build the fields of a check on something at a secret path: its environment, its
 * path and, for a dynamic secret, its metadata (absent, not empty, when there is none to check).
 */
export function subjectAt(environment: string, secretPath: string, metadata?: { key: string; value: string }[]): SubjectFields {
  return metadata === undefined ? { environment, secretPath } : { environment, secretPath, metadata };
}

/** `$glob`: the subject value must match the picomatch pattern (slashes are path separators). */
export function globMatches(value: unknown, pattern: unknown): boolean {
  if (typeof value !== "string" || typeof pattern !== "string" || pattern === "") return false;
  return picomatch.isMatch(value, pattern, { strictSlashes: false });
}

/** Whether picomatch accepts a pattern (custom-role validation). */
export function isValidGlob(pattern: string): boolean {
  try {
    picomatch.parse(pattern);
    picomatch.makeRe(pattern);
    return true;
  } catch {
    return false;
  }
}

const conditionsMatcher = buildMongoQueryMatcher(
  {
    $glob: {
      type: "field",
      validate(instruction: { name: string }, value: unknown) {
        if (typeof value !== "string") throw new TypeError(`"${instruction.name}" expects a string pattern`);
      },
    },
  } as never,
  {
    glob: (node: { field: string; value: unknown }, object: unknown, context: { get: (o: unknown, f: string) => unknown }) =>
      globMatches(context.get(object, node.field), node.value),
  } as never,
);

export type Ability = {
  readonly rules: readonly PermissionRule[];
  /** Without `fields` this is CASL's subject-type check: true when some allow rule could apply. */
  can(action: string, subject: string, fields?: SubjectFields): boolean;
  /** Throws 403 PermissionDenied with the relevant rules as `details`. */
  assertCan(action: string, subject: string, fields?: SubjectFields): void;
  /** The rules that concern `action` on `subject`, highest priority (last defined) first. */
  rulesFor(action: string, subject: string): RuleDetail[];
};

function toDetail(rule: RawRuleOf<MongoAbility>): RuleDetail {
  const detail: RuleDetail = {
    action: Array.isArray(rule.action) ? [...rule.action] : [rule.action],
    inverted: Boolean(rule.inverted),
    subject: rule.subject as string | string[],
  };
  if (rule.conditions !== undefined) detail.conditions = rule.conditions as Record<string, unknown>;
  return detail;
}

export function createAbility(rules: readonly PermissionRule[]): Ability {
  const casl = createMongoAbility(rules as RawRuleOf<MongoAbility>[], { conditionsMatcher });
  const can = (action: string, subject: string, fields?: SubjectFields): boolean =>
    fields === undefined ? casl.can(action, subject) : casl.can(action, asSubject(subject, { ...fields }));
  const rulesFor = (action: string, subject: string): RuleDetail[] =>
    casl.rulesFor(action, subject).map((rule) => toDetail(rule.origin));
  return {
    rules,
    can,
    rulesFor,
    assertCan(action, subject, fields) {
      if (can(action, subject, fields)) return;
      throw new PermissionDeniedError(`You are not allowed to ${action} on ${subject}`, {
        details: rulesFor(action, subject),
      });
    },
  };
}

/**
 * Identical rule lists (every built-in role, an unchanged custom role) share one compiled ability,
 * keyed by content so an edited role compiles anew (lib/caches.ts). A caller whose rules are
 * constants of this process (built-in roles only) may name them by a key of its own instead,
 * which spares serializing them on every request.
 */
export function abilityFor(rules: readonly PermissionRule[], key: string = JSON.stringify(rules)): Ability {
  const cached = compiledRuleSets.get(key) as Ability | undefined;
  if (cached) return cached;
  const ability = createAbility(rules);
  compiledRuleSets.set(key, ability);
  return ability;
}

/** A membership role or privilege counts while it is permanent or its end time is in the future. */
export function isGrantActive(
  grant: { isTemporary: boolean; temporaryAccessEndTime: Date | null },
  now: Date = new Date(),
): boolean {
  if (!grant.isTemporary) return true;
  return grant.temporaryAccessEndTime !== null && now.getTime() < grant.temporaryAccessEndTime.getTime();
}

/**
 * Stored custom-role rules → evaluated rules. Custom roles are packed upstream and unpacking turns
 * the subject into an array, which PermissionDenied details show; we reproduce that here.
 */
export function customRoleRules(stored: readonly StoredRule[]): PermissionRule[] {
  return stored.map((rule) => {
    const out: PermissionRule = {
      action: Array.isArray(rule.action) ? [...rule.action] : [rule.action],
      subject: Array.isArray(rule.subject) ? [...rule.subject] : [rule.subject],
      inverted: Boolean(rule.inverted),
    };
    if (rule.conditions !== undefined && rule.conditions !== null) out.conditions = rule.conditions;
    return out;
  });
}

export type StoredRule = {
  subject: string | string[];
  action: string | string[];
  inverted?: boolean;
  conditions?: Record<string, unknown> | null;
};

/**
 * Privilege boundary: the (action, subject) pairs of `granted` allow rules that `holder` cannot
 * perform at all. Conditions are compared at subject-type level only (a conditional grant passes
 * when the holder has some rule for that action and subject).
 */
export function missingPermissions(holder: Ability, granted: readonly PermissionRule[]): { action: string; subject: string }[] {
  const missing: { action: string; subject: string }[] = [];
  for (const rule of granted) {
    if (rule.inverted) continue;
    for (const subject of Array.isArray(rule.subject) ? rule.subject : [rule.subject]) {
      for (const action of rule.action) {
        if (!holder.can(action, subject)) missing.push({ action, subject });
      }
    }
  }
  return missing;
}
