import { z } from "zod";
import { RESERVED_PROJECT_ROLE_SLUGS } from "../permissions/actions.js";
import {
  permissionRuleList,
  PermissionRuleResponseSchema,
  PermissionRuleV1Schema,
  PermissionRuleV2Schema,
} from "../permissions/permission.schemas.js";
import { slugSchema } from "./project.schemas.js";

// Custom project roles: their slugs, rules and the v1/v2 request forms.

const RoleSlugSchema = slugSchema({ max: 64 }).refine((slug) => !(RESERVED_PROJECT_ROLE_SLUGS as readonly string[]).includes(slug), {
  message: "Please choose a different slug, the slug you have entered is reserved",
});

export const CreateRoleBodySchema = z.object({
  slug: RoleSlugSchema,
  name: z.string().trim().min(1),
  description: z.string().trim().nullish(),
  permissions: permissionRuleList(PermissionRuleV2Schema),
});
export type CreateRoleBody = z.infer<typeof CreateRoleBodySchema>;

/** PATCH /api/v2/workspace/:projectId/roles/:roleId: absent fields are kept. */
export const UpdateRoleBodySchema = z.object({
  slug: RoleSlugSchema.optional(),
  name: z.string().trim().min(1).optional(),
  description: z.string().trim().nullish(),
  permissions: permissionRuleList(PermissionRuleV2Schema).optional(),
});
export type UpdateRoleBody = z.infer<typeof UpdateRoleBodySchema>;

export const RoleIdParamsSchema = z.object({ projectId: z.string().trim(), roleId: z.string().trim() });
export const RoleSlugParamsSchema = z.object({ projectId: z.string().trim(), roleSlug: z.string().trim() });

/** v1 (legacy) roles: POST /api/v1/workspace/:projectSlug/roles. */
export const CreateRoleV1BodySchema = CreateRoleBodySchema.extend({ permissions: permissionRuleList(PermissionRuleV1Schema) });
export type CreateRoleV1Body = z.infer<typeof CreateRoleV1BodySchema>;
export const ProjectSlugParamsSchema = z.object({ projectSlug: z.string().trim() });

export const RoleSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  projectId: z.string(),
  permissions: z.array(PermissionRuleResponseSchema),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** The list omits each role's rules, as Infisical's does. */
export const RoleSummarySchema = RoleSchema.omit({ permissions: true });
