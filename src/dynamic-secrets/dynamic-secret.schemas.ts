import { z } from "zod";
import { TtlSchema } from "../lib/ttl.js";
import { removeTrailingSlash } from "../lib/secret-path.js";
import { checkUsernameTemplate, USERNAME_TEMPLATE_CHARACTERS } from "./templates/username.js";

// Request/response schemas of the dynamic-secret routes: the contract of
// shared/openapi/patch-dynamic-secret.yaml. Absent means keep, null means clear: no patchable
// field has a default.

// PostgreSQL text cannot hold NUL: such a value could only fail deep in a query (a 500), so it is
// a 422 issue up front. No legitimate slug, path or metadata contains one.
const NUL_MESSAGE = "String must not contain NUL characters";
const text = () => z.string().refine((v) => !v.includes("\u0000"), NUL_MESSAGE);

export const ProjectSlugSchema = text().min(1).describe("The slug of the project to update dynamic secret in.");
export const EnvironmentSlugSchema = text().min(1).describe("The slug of the environment to update the dynamic secret in.");
/** Trimmed, "/" when absent, one trailing slash removed (Infisical's router transform). */
export const SecretPathSchema = text()
  .trim()
  .default("/")
  .describe("The path to update the dynamic secret in.")
  .transform(removeTrailingSlash);

/** The create-name rules, also applied to `newName` (D8). */
export const DynamicSecretNameSchema = z
  .string()
  .trim()
  .min(1, "Name field must be at least 1 lowercase character")
  .max(64, "Name field must be at most 64 lowercase characters")
  .refine((v) => /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(v), "Name field can only contain lowercase letters, numbers, and hyphens");

export const MetadataSchema = z.array(
  z.object({
    key: text().trim().min(1).max(255),
    value: text().trim().max(1020).default(""),
  }),
);

export const UsernameTemplateSchema = z
  .string()
  .trim()
  .max(255)
  .superRefine((value, ctx) => {
    if (!USERNAME_TEMPLATE_CHARACTERS.test(value)) ctx.addIssue({ code: "custom", message: "Invalid input" });
    if (checkUsernameTemplate(value) !== "ok") ctx.addIssue({ code: "custom", message: "Invalid input" });
  });

export const MaxTtlSchema = TtlSchema.nullable();

/** `inputs` must be a JSON object (D12); the provider validates it after the merge. */
export const InputsPatchSchema = z
  .record(z.string(), z.unknown())
  .describe("The new partial values for the configured provider of the dynamic secret");

export const UpdateDynamicSecretParamsSchema = z.object({
  name: z
    .string()
    .transform((v) => v.toLowerCase())
    .describe("The name of the dynamic secret."),
});

export const UpdateDynamicSecretBodySchema = z.object({
  projectSlug: ProjectSlugSchema,
  path: SecretPathSchema,
  environmentSlug: EnvironmentSlugSchema,
  data: z.object({
    inputs: InputsPatchSchema.optional(),
    defaultTTL: TtlSchema.optional().describe("The default TTL that will be applied for all the leases."),
    maxTTL: MaxTtlSchema.optional().describe("The maximum limit a TTL can be leases or renewed."),
    newName: DynamicSecretNameSchema.optional().describe("The new name for the dynamic secret."),
    metadata: MetadataSchema.optional(),
    usernameTemplate: UsernameTemplateSchema.nullable().optional(),
  }),
});

export const LocatorQuerySchema = z.object({
  projectSlug: text().min(1),
  path: SecretPathSchema,
  environmentSlug: text().min(1),
});

export const NameParamsSchema = z.object({ name: z.string() });
export const LowercasedNameParamsSchema = z.object({ name: z.string().transform((v) => v.toLowerCase()) });

export const DeleteDynamicSecretBodySchema = LocatorQuerySchema.extend({
  isForced: z.boolean().default(false),
});

const uuid = () => z.string().uuid();

// `value` is always sent; optional only so the document matches the contract's required list.
export const MetadataResponseSchema = z.array(z.object({ key: z.string().min(1).max(255), value: z.string().max(1020).optional() }));

/**
 * The dynamic secret in responses. Required keys as in the contract; the others are always sent
 * too (gateway fields null, D20).
 */
export const DynamicSecretResponseSchema = z.object({
  id: uuid(),
  name: z.string(),
  version: z.number(),
  type: z.string(),
  defaultTTL: z.string(),
  maxTTL: z.string().nullable().optional(),
  folderId: uuid(),
  status: z.string().nullable().optional(),
  statusDetails: z.string().nullable().optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
  projectGatewayId: uuid().nullable().optional(),
  gatewayId: uuid().nullable().optional(),
  usernameTemplate: z.string().nullable().optional(),
  gatewayV2Id: uuid().nullable().optional(),
  gatewayPoolId: uuid().nullable().optional(),
  metadata: MetadataResponseSchema.optional(),
  inputs: z.unknown().optional(),
});

export const DynamicSecretEnvelopeSchema = z.object({ dynamicSecret: DynamicSecretResponseSchema });
export const DynamicSecretListSchema = z.object({
  dynamicSecrets: z.array(DynamicSecretResponseSchema.omit({ inputs: true })),
});

export function createDynamicSecretBodySchema(providerSchema: z.ZodType) {
  return z.object({
    projectSlug: text().min(1),
    provider: providerSchema,
    defaultTTL: TtlSchema,
    maxTTL: MaxTtlSchema.optional(),
    path: SecretPathSchema,
    environmentSlug: text().min(1),
    name: DynamicSecretNameSchema,
    metadata: MetadataSchema.optional(),
    usernameTemplate: UsernameTemplateSchema.nullable().optional(),
  });
}
