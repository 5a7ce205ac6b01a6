import { z } from "zod";

// Machine identities (get, list, update, delete at Infisical parity).

const MetadataInputSchema = z.array(z.object({ key: z.string().trim().min(1), value: z.string().trim().min(1) }));

export const CreateIdentityBodySchema = z.object({
  name: z.string().trim().min(1),
  organizationId: z.string().trim(),
  role: z.string().trim().min(1).default("no-access"),
  hasDeleteProtection: z.boolean().default(false),
  metadata: MetadataInputSchema.optional(),
});
export type CreateIdentityBody = z.infer<typeof CreateIdentityBodySchema>;

/** PATCH /api/v1/identities/:identityId: absent fields are kept; `metadata` replaces the list. */
export const UpdateIdentityBodySchema = z.object({
  name: z.string().trim().min(1).optional(),
  role: z.string().trim().min(1).optional(),
  hasDeleteProtection: z.boolean().optional(),
  metadata: MetadataInputSchema.optional(),
});
export type UpdateIdentityBody = z.infer<typeof UpdateIdentityBodySchema>;

export const IdentityParamsSchema = z.object({ identityId: z.string().trim() });
export const ListIdentitiesQuerySchema = z.object({ orgId: z.string().trim() });

/** An identity's org membership, as Infisical's GET /api/v1/identities answers it. */
export const OrgIdentitySchema = z.object({
  id: z.string(),
  identityId: z.string(),
  orgId: z.string(),
  role: z.string(),
  roleId: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  lastLoginAuthMethod: z.string().nullable(),
  lastLoginTime: z.date().nullable(),
  identity: z.object({ id: z.string(), name: z.string(), authMethods: z.array(z.string()), hasDeleteProtection: z.boolean() }),
});

export const IdentitySchema = z.object({
  id: z.string(),
  name: z.string(),
  orgId: z.string(),
  hasDeleteProtection: z.boolean(),
  authMethods: z.array(z.string()),
  metadata: z.array(z.object({ id: z.string(), key: z.string(), value: z.string() })),
  createdAt: z.date(),
  updatedAt: z.date(),
});
