import { z } from "zod";

// Request/response schemas of the project set-up endpoints.

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const plural = (n: number) => (n === 1 ? "" : "s");

/** Infisical's slug rule and messages: lower-case letters, digits, single hyphens. */
export function slugSchema({ min = 1, max = 64, field = "Slug" } = {}) {
  return z
    .string()
    .trim()
    .min(min, { message: `${field} field must be at least ${min} lowercase character${plural(min)}` })
    .max(max, { message: `${field} field must be at most ${max} lowercase character${plural(max)}` })
    .refine((value) => SLUG_RE.test(value), { message: `${field} field can only contain lowercase letters, numbers, and hyphens` });
}

export const PROJECT_TYPES = ["secret-manager", "cert-manager", "kms", "ssh", "secret-scanning"] as const;

export const CreateProjectBodySchema = z.object({
  projectName: z.string().trim().min(1),
  projectDescription: z.string().trim().optional(),
  slug: slugSchema({ min: 5, max: 36 }).optional(),
  type: z.enum(PROJECT_TYPES).default("secret-manager"),
  template: z.string().trim().default("default"),
  shouldCreateDefaultEnvs: z.boolean().default(true),
  hasDeleteProtection: z.boolean().default(false),
  kmsKeyId: z.string().optional(),
});
export type CreateProjectBody = z.infer<typeof CreateProjectBodySchema>;

const PROJECT_SLUG_V2_RE = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;

/** PATCH /api/v1/workspace/:projectId: absent fields are kept (Infisical's update rules and messages). */
export const UpdateProjectBodySchema = z.object({
  name: z.string().trim().min(1).max(64, { message: "Name must be 64 or fewer characters" }).optional(),
  description: z.string().trim().max(1024, { message: "Description must be 1024 or fewer characters" }).optional(),
  autoCapitalization: z.boolean().optional(),
  hasDeleteProtection: z.boolean().optional(),
  slug: z
    .string()
    .trim()
    .max(64, { message: "Slug must be 64 characters or fewer" })
    .refine((slug) => PROJECT_SLUG_V2_RE.test(slug), {
      message:
        "Project slug can only contain lowercase letters and numbers, with optional single hyphens (-) or underscores (_) between words. Cannot start or end with a hyphen or underscore.",
    })
    .optional(),
  pitVersionLimit: z.number().int().min(1).max(100).optional(),
});
export type UpdateProjectBody = z.infer<typeof UpdateProjectBodySchema>;

export const ListProjectsQuerySchema = z.object({ type: z.enum(PROJECT_TYPES).optional() });

export const ProjectSchema = z.object({
  id: z.string(),
  _id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  type: z.string(),
  orgId: z.string(),
  version: z.number(),
  pitVersionLimit: z.number(),
  autoCapitalization: z.boolean(),
  hasDeleteProtection: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
  environments: z.array(z.object({ name: z.string(), slug: z.string(), id: z.string() })),
});

/** A project without its environments (update and delete answers). */
export const SanitizedProjectSchema = ProjectSchema.omit({ _id: true, environments: true });

export const ProjectIdParamsSchema = z.object({ projectId: z.string().trim() });

export const MAX_ENVIRONMENT_POSITION = 1_000_000;

export const CreateEnvironmentBodySchema = z.object({
  name: z.string().trim().min(1),
  slug: slugSchema({ max: 64 }),
  // Bounded so that positions (integer column, shifted by one per insert) can never overflow.
  position: z.number().int().min(1).max(MAX_ENVIRONMENT_POSITION).optional(),
});

export const UpdateEnvironmentBodySchema = z.object({
  slug: slugSchema({ max: 64 }).optional(),
  name: z.string().trim().min(1).optional(),
  position: z.number().int().min(1).max(MAX_ENVIRONMENT_POSITION).optional(),
});

export const EnvironmentParamsSchema = z.object({ projectId: z.string().trim(), id: z.string().trim() });
export const EnvironmentIdParamsSchema = z.object({ projectId: z.string().trim(), envId: z.string().trim() });

export const EnvironmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  position: z.number(),
  projectId: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const CreateEnvironmentResponseSchema = z.object({
  message: z.string(),
  projectId: z.string(),
  workspace: z.string(),
  environment: EnvironmentSchema,
});

export const EnvironmentChangeResponseSchema = z.object({
  message: z.string(),
  projectId: z.string(),
  environment: EnvironmentSchema,
});

const FOLDER_NAME_RE = /^[a-zA-Z0-9-_]+$/;

export const CreateFolderBodySchema = z.object({
  workspaceId: z.string().trim(),
  environment: z.string().trim(),
  name: z
    .string()
    .trim()
    .refine((name) => FOLDER_NAME_RE.test(name), {
      message: "Invalid folder name. Only alphanumeric characters, dashes, and underscores are allowed.",
    }),
  path: z.string().trim().optional(),
  /** Legacy alias of `path`. */
  directory: z.string().trim().optional(),
  description: z.string().nullish(),
});
export type CreateFolderBody = z.infer<typeof CreateFolderBodySchema>;

/** PATCH /api/v1/folders/:folderId: the folder (id, or its name for old CLIs) under `path`. */
export const UpdateFolderBodySchema = CreateFolderBodySchema;
export const FolderIdParamsSchema = z.object({ folderId: z.string().trim() });

export const DeleteFolderBodySchema = CreateFolderBodySchema.pick({ workspaceId: true, environment: true, path: true, directory: true });
export const FolderIdOrNameParamsSchema = z.object({ folderIdOrName: z.string().trim() });

export const ListFoldersQuerySchema = z.object({
  workspaceId: z.string().trim(),
  environment: z.string().trim(),
  path: z.string().trim().optional(),
  /** Legacy alias of `path`. */
  directory: z.string().trim().optional(),
});

export const FolderSchema = z.object({
  id: z.string(),
  name: z.string(),
  envId: z.string(),
  parentId: z.string().nullable(),
  version: z.number(),
  isReserved: z.boolean(),
  description: z.string().nullable(),
  lastSecretModified: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** GET /api/v1/folders/:id (Infisical's folder-by-id body). */
export const FolderWithPathSchema = FolderSchema.extend({
  environment: z.object({ envId: z.string(), envName: z.string(), envSlug: z.string() }),
  path: z.string(),
  projectId: z.string(),
});
export const FolderByIdParamsSchema = z.object({ id: z.string().trim() });
