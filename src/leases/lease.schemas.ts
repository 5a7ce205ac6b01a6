import { z } from "zod";
import {
  DynamicSecretResponseSchema,
  EnvironmentSlugSchema,
  LocatorQuerySchema,
  ProjectSlugSchema,
  SecretPathSchema,
} from "../dynamic-secrets/dynamic-secret.schemas.js";
import { removeTrailingSlash } from "../lib/secret-path.js";
import { TtlSchema } from "../lib/ttl.js";

// Request/response schemas of the lease routes. Unknown keys are stripped. `ttl`
// uses the one TTL rule (≥ 1 min, ≤ 10 y; unparsable → 422, D31).

const noNul = (v: string) => !v.includes("\u0000");

/** Renew and revoke: min(1) before trim, so "" is a 422 and "  " becomes "" (→ folder 404). */
const LeasePathSchema = z
  .string()
  .min(1)
  .refine(noNul, "String must not contain NUL characters")
  .trim()
  .default("/")
  .transform(removeTrailingSlash);

export const CreateLeaseBodySchema = z.object({
  dynamicSecretName: z
    .string()
    .min(1)
    .refine(noNul, "String must not contain NUL characters")
    .transform((v) => v.toLowerCase()),
  projectSlug: ProjectSlugSchema,
  environmentSlug: EnvironmentSlugSchema,
  ttl: TtlSchema.optional(),
  path: SecretPathSchema,
  /** Any JSON, stored with the lease and passed to the provider. */
  config: z.unknown().optional(),
});

export const RenewLeaseBodySchema = z.object({
  projectSlug: ProjectSlugSchema,
  environmentSlug: EnvironmentSlugSchema,
  path: LeasePathSchema,
  ttl: TtlSchema.optional(),
});

export const RevokeLeaseBodySchema = z.object({
  projectSlug: ProjectSlugSchema,
  environmentSlug: EnvironmentSlugSchema,
  path: LeasePathSchema,
  isForced: z.boolean().default(false),
});

export const LeaseQuerySchema = LocatorQuerySchema;
export const LeaseIdParamsSchema = z.object({ leaseId: z.string().min(1) });
export const SecretNameParamsSchema = z.object({ name: z.string() });

export const LeaseSchema = z.object({
  id: z.string(),
  version: z.number(),
  externalEntityId: z.string(),
  expireAt: z.date(),
  status: z.string().nullable(),
  statusDetails: z.string().nullable(),
  dynamicSecretId: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  config: z.unknown(),
});

const ParentSecretSchema = DynamicSecretResponseSchema.omit({ inputs: true });

export const CreateLeaseResponseSchema = z.object({
  lease: LeaseSchema,
  dynamicSecret: ParentSecretSchema,
  /** The credentials: in this response only, never stored or logged (D34). */
  data: z.record(z.string(), z.unknown()),
});
export const LeaseEnvelopeSchema = z.object({ lease: LeaseSchema });
export const LeaseWithSecretEnvelopeSchema = z.object({ lease: LeaseSchema.extend({ dynamicSecret: ParentSecretSchema }) });
export const LeaseListSchema = z.object({ leases: z.array(LeaseSchema) });
