import { z } from "zod";
import { permissionRuleList, PermissionRuleResponseSchema, PermissionRuleV2Schema } from "../permissions/permission.schemas.js";
import { slugSchema } from "./project.schemas.js";
import { TemporaryAccessResponseFields } from "./temporary-access.js";

// POST /api/v2/identity-project-additional-privilege.

export const CreatePrivilegeBodySchema = z.object({
  identityId: z.string().trim(),
  projectId: z.string().trim(),
  slug: slugSchema({ min: 1, max: 60 }).optional(),
  permissions: permissionRuleList(PermissionRuleV2Schema),
  type: z
    .discriminatedUnion("isTemporary", [
      z.object({ isTemporary: z.literal(false) }),
      z.object({
        isTemporary: z.literal(true),
        temporaryMode: z.literal("relative"),
        temporaryRange: z.string().trim().min(1),
        temporaryAccessStartTime: z.iso.datetime(),
      }),
    ])
    .default({ isTemporary: false }),
});
export type CreatePrivilegeBody = z.infer<typeof CreatePrivilegeBodySchema>;

export const PrivilegeSchema = z.object({
  id: z.string(),
  slug: z.string(),
  identityId: z.string(),
  projectId: z.string(),
  permissions: z.array(PermissionRuleResponseSchema),
  ...TemporaryAccessResponseFields,
  createdAt: z.date(),
  updatedAt: z.date(),
});
