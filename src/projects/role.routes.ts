import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestContextOf } from "../http/request-context.js";
import type { MembershipService } from "./membership.service.js";
import { ProjectIdParamsSchema } from "./project.schemas.js";
import { CreatePrivilegeBodySchema, PrivilegeSchema } from "./privilege.schemas.js";
import type { PrivilegeService } from "./privilege.service.js";
import {
  CreateMembershipBodySchema,
  CreateRoleBodySchema,
  CreateRoleV1BodySchema,
  MembershipParamsSchema,
  MembershipSchema,
  MembershipWithIdentitySchema,
  ProjectSlugParamsSchema,
  RoleIdParamsSchema,
  RoleSchema,
  RoleSlugParamsSchema,
  RoleSummarySchema,
  UpdateMembershipBodySchema,
  UpdateRoleBodySchema,
} from "./role.schemas.js";
import type { RoleService } from "./role.service.js";

// Custom roles, identity memberships and additional privileges (auth-and-permissions.md §C.6–C.8).

const security = [{ bearerAuth: [] }];

export function roleRoutes({
  roleService,
  membershipService,
  privilegeService,
}: {
  roleService: RoleService;
  membershipService: MembershipService;
  privilegeService: PrivilegeService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v2/workspace/:projectId/roles",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          security,
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
        schema: { tags: ["roles"], security, params: ProjectIdParamsSchema, response: { 200: z.object({ roles: z.array(RoleSummarySchema) }) } },
      },
      async (request) => ({ roles: await roleService.listRoles(request.actor, request.params.projectId) }),
    );

    app.get(
      "/api/v2/workspace/:projectId/roles/slug/:roleSlug",
      {
        config: { auth: true },
        schema: { tags: ["roles"], security, params: RoleSlugParamsSchema, response: { 200: z.object({ role: RoleSchema }) } },
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
          security,
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
        schema: { tags: ["roles"], security, params: RoleIdParamsSchema, response: { 200: z.object({ role: RoleSchema }) } },
      },
      async (request) => {
        const { projectId, roleId } = request.params;
        return { role: await roleService.deleteRole(request.actor, requestContextOf(request), projectId, roleId) };
      },
    );

    app.get(
      "/api/v2/workspace/:projectId/identity-memberships",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          security,
          params: ProjectIdParamsSchema,
          response: { 200: z.object({ identityMemberships: z.array(MembershipWithIdentitySchema) }) },
        },
      },
      async (request) => ({
        identityMemberships: await membershipService.listIdentityMemberships(request.actor, request.params.projectId),
      }),
    );

    app.get(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          security,
          params: MembershipParamsSchema,
          response: { 200: z.object({ identityMembership: MembershipWithIdentitySchema }) },
        },
      },
      async (request) => ({
        identityMembership: await membershipService.getIdentityMembership(request.actor, request.params.projectId, request.params.identityId),
      }),
    );

    app.post(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          security,
          params: MembershipParamsSchema,
          body: CreateMembershipBodySchema.default({}),
          response: { 200: z.object({ identityMembership: MembershipSchema }) },
        },
      },
      async (request) => ({
        identityMembership: await membershipService.createIdentityMembership(
          request.actor,
          request.params.projectId,
          request.params.identityId,
          request.body,
        ),
      }),
    );

    app.patch(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          security,
          params: MembershipParamsSchema,
          body: UpdateMembershipBodySchema,
          response: { 200: z.object({ roles: MembershipSchema.shape.roles }) },
        },
      },
      async (request) => {
        const { projectId, identityId } = request.params;
        const membership = await membershipService.updateIdentityMembership(request.actor, projectId, identityId, request.body.roles);
        return { roles: membership.roles };
      },
    );

    app.delete(
      "/api/v2/workspace/:projectId/identity-memberships/:identityId",
      {
        config: { auth: true },
        schema: {
          tags: ["memberships"],
          security,
          params: MembershipParamsSchema,
          response: { 200: z.object({ identityMembership: MembershipSchema }) },
        },
      },
      async (request) => ({
        identityMembership: await membershipService.deleteIdentityMembership(
          request.actor,
          request.params.projectId,
          request.params.identityId,
        ),
      }),
    );

    app.post(
      "/api/v1/workspace/:projectSlug/roles",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          security,
          params: ProjectSlugParamsSchema,
          body: CreateRoleV1BodySchema,
          response: { 200: z.object({ role: RoleSchema }) },
        },
      },
      async (request) => ({ role: await roleService.createRoleV1(request.actor, request.params.projectSlug, request.body) }),
    );

    app.post(
      "/api/v2/identity-project-additional-privilege",
      {
        config: { auth: true },
        schema: {
          tags: ["roles"],
          security,
          body: CreatePrivilegeBodySchema,
          response: { 200: z.object({ privilege: PrivilegeSchema }) },
        },
      },
      async (request) => ({ privilege: await privilegeService.createPrivilege(request.actor, request.body) }),
    );
  };
}
