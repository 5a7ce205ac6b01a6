import { z } from "zod";

// POST /api/v1/identities (auth-and-permissions.md §C.4).

export const CreateIdentityBodySchema = z.object({
  name: z.string().trim().min(1),
  organizationId: z.string().trim(),
  role: z.string().trim().min(1).default("no-access"),
  hasDeleteProtection: z.boolean().default(false),
  metadata: z.array(z.object({ key: z.string().trim().min(1), value: z.string().trim().min(1) })).optional(),
});
export type CreateIdentityBody = z.infer<typeof CreateIdentityBodySchema>;

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
