import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestContextOf } from "../http/request-context.js";
import { ProjectIdParamsSchema } from "./project.schemas.js";
import {
  CreateRoleBodySchema,
  CreateRoleV1BodySchema,
  ProjectSlugParamsSchema,
  RoleIdParamsSchema,
  RoleSchema,
  RoleSlugParamsSchema,
  RoleSummarySchema,
  UpdateRoleBodySchema,
} from "./role.schemas.js";
import type { RoleService } from "./role.service.js";

// Custom project roles: create, list, get by slug, update, delete (v2) and the legacy v1 create.

export function roleRoutes({ roleService }: { roleService: RoleService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v2/workspace/:projectId/roles",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "Create a project role",
          description:
            "Creates a custom project role from permissions in the v2 format (`{subject, action, conditions?, " +
            "inverted?}`). The caller cannot grant more than it holds.",
          params: ProjectIdParamsSchema,
          body: CreateRoleBodySchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => ({ role: await roleService.createRole(request.actor, request.params.projectId, request.body) }),
    );

    app.get(
      "/api/v2/workspace/:projectId/roles",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "List project roles",
          description: "Lists the project's built-in and custom roles.",
          params: ProjectIdParamsSchema,
          response: { 200: z.object({ roles: z.array(RoleSummarySchema) }) },
        },
      },
      async (request) => ({ roles: await roleService.listRoles(request.actor, request.params.projectId) }),
    );

    app.get(
      "/api/v2/workspace/:projectId/roles/slug/:roleSlug",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "Get a project role by slug",
          description: "Reads a built-in or custom role of the project by its slug, with its permissions.",
          params: RoleSlugParamsSchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => ({
        role: await roleService.getRoleBySlug(request.actor, request.params.projectId, request.params.roleSlug),
      }),
    );

    app.patch(
      "/api/v2/workspace/:projectId/roles/:roleId",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "Update a project role",
          description: "Changes a custom role's name, slug, description or permissions; absent fields are kept.",
          params: RoleIdParamsSchema,
          body: UpdateRoleBodySchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => {
        const { projectId, roleId } = request.params;
        return { role: await roleService.updateRole(request.actor, requestContextOf(request), projectId, roleId, request.body) };
      },
    );

    app.delete(
      "/api/v2/workspace/:projectId/roles/:roleId",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "Delete a project role",
          description: "Deletes a custom role; refused while an identity membership holds it. Built-in roles cannot be deleted.",
          params: RoleIdParamsSchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => {
        const { projectId, roleId } = request.params;
        return { role: await roleService.deleteRole(request.actor, requestContextOf(request), projectId, roleId) };
      },
    );

    app.post(
      "/api/v1/workspace/:projectSlug/roles",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          summary: "Create a project role (v1 format)",
          description:
            "Creates a custom role in the project named by slug from permissions in the v1 format (Infisical's " +
            "older route, kept for older clients).",
          params: ProjectSlugParamsSchema,
          body: CreateRoleV1BodySchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => ({ role: await roleService.createRoleV1(request.actor, request.params.projectSlug, request.body) }),
    );
  };
}
