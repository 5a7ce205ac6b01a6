import { z } from "zod";
import { TemporaryAccessResponseFields } from "./temporary-access.js";

// Identity memberships of a project: the roles an identity holds there, permanent or temporary.

export const MembershipParamsSchema = z.object({ projectId: z.string().trim(), identityId: z.string().trim() });

const MembershipRoleInputSchema = z.object({
  role: z.string().trim().min(1),
  isTemporary: z.boolean().default(false),
  temporaryMode: z.literal("relative").optional(),
  temporaryRange: z.string().trim().min(1).optional(),
  temporaryAccessStartTime: z.iso.datetime().optional(),
});
export type MembershipRoleInput = z.infer<typeof MembershipRoleInputSchema>;

export const CreateMembershipBodySchema = z.object({
  roles: z.array(MembershipRoleInputSchema).min(1).optional(),
  /** Legacy single-role form. */
  role: z.string().trim().min(1).optional(),
});
export type CreateMembershipBody = z.infer<typeof CreateMembershipBodySchema>;

export const UpdateMembershipBodySchema = z.object({ roles: z.array(MembershipRoleInputSchema).min(1) });

export const MembershipSchema = z.object({
  id: z.string(),
  identityId: z.string(),
  projectId: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  roles: z.array(
    z.object({
      id: z.string(),
      role: z.string(),
      customRoleId: z.string().nullable(),
      customRoleSlug: z.string().nullable(),
      ...TemporaryAccessResponseFields,
      createdAt: z.date(),
      updatedAt: z.date(),
    }),
  ),
});

export const MembershipWithIdentitySchema = MembershipSchema.extend({
  identity: z.object({ id: z.string(), name: z.string(), authMethods: z.array(z.string()) }),
});
