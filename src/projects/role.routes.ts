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
        schema: { tags: ["roles"], params: ProjectIdParamsSchema, response: { 200: z.object({ roles: z.array(RoleSummarySchema) }) } },
      },
      async (request) => ({ roles: await roleService.listRoles(request.actor, request.params.projectId) }),
    );

    app.get(
      "/api/v2/workspace/:projectId/roles/slug/:roleSlug",
      {
        config: { auth: true },
        schema: { tags: ["roles"], params: RoleSlugParamsSchema, response: { 200: z.object({ role: RoleSchema }) } },
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
        schema: { tags: ["roles"], params: RoleIdParamsSchema, response: { 200: z.object({ role: RoleSchema }) } },
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
          params: ProjectSlugParamsSchema,
          body: CreateRoleV1BodySchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => ({ role: await roleService.createRoleV1(request.actor, request.params.projectSlug, request.body) }),
    );
  };
}
