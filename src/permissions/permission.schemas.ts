import { z } from "zod";
import { isValidGlob } from "./ability.js";
import { PATH_SCOPED_SUBJECTS, PROJECT_SUBJECT_ACTIONS, ProjectPermissionSub } from "./actions.js";

// The v2 permission format of custom roles: one schema per
// subject, discriminated by `subject`; only path-scoped subjects take conditions.

const SECRET_PATH_MESSAGE = "Invalid Secret Path; it must start with a '/'";

const nonEmpty = z.string().trim().min(1);
const secretPath = z.string().trim().refine((value) => value.startsWith("/"), { message: SECRET_PATH_MESSAGE });
// picomatch's parse is superlinear in a pattern's length and nesting, and runs on the event loop
// for any authenticated caller (validation precedes permission checks): patterns are bounded first.
export const MAX_GLOB_LENGTH = 255;
export const MAX_GLOB_GROUPS = 16;
const groupCount = (pattern: string) => pattern.split("").filter((c) => c === "(" || c === "{" || c === "[").length;
const withinBounds = (pattern: string) => pattern.length <= MAX_GLOB_LENGTH && groupCount(pattern) <= MAX_GLOB_GROUPS;
const glob = z
  .string()
  .trim()
  .max(MAX_GLOB_LENGTH, { message: `Glob pattern must be at most ${MAX_GLOB_LENGTH} characters` })
  .refine((pattern) => groupCount(pattern) <= MAX_GLOB_GROUPS, { message: `Glob pattern must have at most ${MAX_GLOB_GROUPS} groups` })
  .refine((pattern) => !withinBounds(pattern) || isValidGlob(pattern), { message: "Invalid glob pattern" });

const EnvironmentCondition = z.union([
  nonEmpty,
  z.object({ $eq: nonEmpty, $ne: nonEmpty, $in: z.array(nonEmpty).min(1), $glob: glob }).partial(),
]);

const SecretPathCondition = z.union([
  secretPath,
  z.object({ $eq: secretPath, $ne: secretPath, $in: z.array(secretPath).min(1), $glob: glob }).partial(),
]);

const MetadataOperators = z.object({ $eq: nonEmpty, $ne: nonEmpty, $in: z.array(nonEmpty).min(1) }).partial();

const MetadataCondition = z.object({
  $elemMatch: z.object({ key: MetadataOperators.optional(), value: MetadataOperators.optional() }),
});

const PathConditions = z.object({ environment: EnvironmentCondition.optional(), secretPath: SecretPathCondition.optional() });

const CONDITIONS: Partial<Record<ProjectPermissionSub, z.ZodType>> = {
  [ProjectPermissionSub.DynamicSecrets]: PathConditions.extend({ metadata: MetadataCondition.optional() }),
};
for (const subject of PATH_SCOPED_SUBJECTS) CONDITIONS[subject] ??= PathConditions;

function ruleSchema(subject: ProjectPermissionSub) {
  const actions = PROJECT_SUBJECT_ACTIONS[subject] as [string, ...string[]];
  const action = z.enum(actions);
  const conditions = CONDITIONS[subject];
  return z.object({
    subject: z.literal(subject),
    action: z.union([action, z.array(action).min(1)]).transform((value) => (Array.isArray(value) ? value : [value])),
    inverted: z.boolean().optional(),
    ...(conditions ? { conditions: conditions.optional() } : {}),
  });
}

const subjects = Object.values(ProjectPermissionSub);

export const PermissionRuleV2Schema = z.discriminatedUnion(
  "subject",
  subjects.map(ruleSchema) as unknown as [ReturnType<typeof ruleSchema>, ...ReturnType<typeof ruleSchema>[]],
);
export type PermissionRuleV2 = { subject: string; action: string[]; inverted?: boolean; conditions?: Record<string, unknown> };

export const MAX_PERMISSION_RULES = 256;

/** A rule list, its length checked before any rule is parsed (each rule's globs cost parse time). */
export function permissionRuleList<T extends z.ZodType>(rule: T) {
  return z
    .array(z.unknown())
    .max(MAX_PERMISSION_RULES, { message: `At most ${MAX_PERMISSION_RULES} permission rules are allowed` })
    .pipe(z.array(rule));
}

/** The response shape of stored rules: subject a string, action an array. */
export const PermissionRuleResponseSchema = z.object({
  subject: z.string(),
  action: z.array(z.string()),
  inverted: z.boolean().optional(),
  conditions: z.record(z.string(), z.unknown()).optional(),
});

// v1 (legacy) role format: no dynamic-secrets subject; `secrets` rules are expanded at save time.
const V1_SUBJECTS = Object.values(ProjectPermissionSub).filter((s) => s !== ProjectPermissionSub.DynamicSecrets);

function v1RuleSchema(subject: ProjectPermissionSub) {
  const action = z.enum(PROJECT_SUBJECT_ACTIONS[subject] as [string, ...string[]]);
  const conditions = (PATH_SCOPED_SUBJECTS as readonly string[]).includes(subject) ? PathConditions : undefined;
  return z.object({
    subject: z.literal(subject),
    action: z.array(action).min(1),
    ...(conditions ? { conditions: conditions.optional() } : {}),
  });
}

export const PermissionRuleV1Schema = z.discriminatedUnion(
  "subject",
  V1_SUBJECTS.map(v1RuleSchema) as unknown as [ReturnType<typeof v1RuleSchema>, ...ReturnType<typeof v1RuleSchema>[]],
);
export type PermissionRuleV1 = { subject: string; action: string[]; conditions?: Record<string, unknown> };

const V1_TO_DYNAMIC_SECRET: Record<string, string[]> = {
  read: ["read-root-credential"],
  create: ["create-root-credential"],
  edit: ["edit-root-credential", "lease"],
  delete: ["delete-root-credential"],
};

/**
 * v1 roles: a `secrets` rule also grants secret-imports, secret-folders (non-read actions, unless
 * the role has its own folder rule) and dynamic-secrets (mapped actions), with its conditions.
 */
export function expandV1Rules(rules: readonly PermissionRuleV1[]): PermissionRuleV2[] {
  const hasFolderRule = rules.some((rule) => rule.subject === ProjectPermissionSub.SecretFolders);
  const out: PermissionRuleV2[] = [];
  const withConditions = (rule: PermissionRuleV2, conditions?: Record<string, unknown>) =>
    conditions === undefined ? rule : { ...rule, conditions };
  for (const rule of rules) {
    if (rule.subject !== ProjectPermissionSub.Secrets) {
      out.push(withConditions({ subject: rule.subject, action: [...rule.action] }, rule.conditions));
      continue;
    }
    const actions = [...rule.action];
    const secretActions = actions.includes("read") && !actions.includes("readValue") ? [...actions, "readValue"] : actions;
    out.push(withConditions({ subject: ProjectPermissionSub.Secrets, action: secretActions }, rule.conditions));
    out.push(withConditions({ subject: ProjectPermissionSub.SecretImports, action: actions }, rule.conditions));
    const folderActions = actions.filter((action) => action !== "read");
    if (!hasFolderRule && folderActions.length > 0) {
      out.push(withConditions({ subject: ProjectPermissionSub.SecretFolders, action: folderActions }, rule.conditions));
    }
    const dynamic = [...new Set(actions.flatMap((action) => V1_TO_DYNAMIC_SECRET[action] ?? []))];
    if (dynamic.length > 0) {
      out.push(withConditions({ subject: ProjectPermissionSub.DynamicSecrets, action: dynamic }, rule.conditions));
    }
  }
  return out;
}

/** The v1 response hides the rules v1 has no words for. */
export function v1VisibleRules(rules: readonly PermissionRuleV2[]): PermissionRuleV2[] {
  return rules.filter(
    (rule) => rule.subject !== ProjectPermissionSub.DynamicSecrets && rule.subject !== ProjectPermissionSub.SecretImports,
  );
}
