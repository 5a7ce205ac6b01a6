import { z } from "zod";
import { isValidGlob } from "./ability.js";
import { PATH_SCOPED_SUBJECTS, PROJECT_SUBJECT_ACTIONS, ProjectPermissionSub } from "./actions.js";

// The v2 permission format of custom roles (auth-and-permissions.md §B.3, §B.8): one schema per
// subject, discriminated by `subject`; only path-scoped subjects take conditions.

const SECRET_PATH_MESSAGE = "Invalid Secret Path; it must start with a '/'";

const nonEmpty = z.string().trim().min(1);
const secretPath = z.string().trim().refine((value) => value.startsWith("/"), { message: SECRET_PATH_MESSAGE });
const glob = z.string().trim().refine(isValidGlob, { message: "Invalid glob pattern" });

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

/** The response shape of stored rules: subject a string, action an array. */
export const PermissionRuleResponseSchema = z.object({
  subject: z.string(),
  action: z.array(z.string()),
  inverted: z.boolean().optional(),
  conditions: z.record(z.string(), z.unknown()).optional(),
});
