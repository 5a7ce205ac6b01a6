import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestContextOf } from "../http/request-context.js";
import type { EnvironmentService } from "./environment.service.js";
import {
  CreateEnvironmentBodySchema,
  CreateEnvironmentResponseSchema,
  EnvironmentChangeResponseSchema,
  EnvironmentIdParamsSchema,
  EnvironmentParamsSchema,
  EnvironmentSchema,
  ProjectIdParamsSchema,
  UpdateEnvironmentBodySchema,
} from "./project.schemas.js";

// A project's environments (get, update, delete at Infisical parity).
// The list is the project body's `environments` (GET /api/v1/workspace/:projectId), as in Infisical.

const tags = ["environments"];
export function environmentRoutes({ environmentService }: { environmentService: EnvironmentService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/workspace/:projectId/environments",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Create an environment",
          description: "Creates an environment (name, slug, optional position) with its root folder in the project.",
          params: ProjectIdParamsSchema,
          body: CreateEnvironmentBodySchema,
          response: { 200: CreateEnvironmentResponseSchema },
        },
      },
      async (request) => {
        const environment = await environmentService.createEnvironment(request.actor, request.params.projectId, request.body);
        // Older clients (the SDK's types) read `workspace`; current ones `projectId`.
        return {
          message: "Successfully created new environment",
          projectId: environment.projectId,
          workspace: environment.projectId,
          environment,
        };
      },
    );

    app.get(
      "/api/v1/workspace/:projectId/environments/:envId",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Get an environment",
          description: "Reads one environment of the project by id.",
          params: EnvironmentIdParamsSchema,
          response: { 200: z.object({ environment: EnvironmentSchema }) },
        },
      },
      async (request) => ({
        environment: await environmentService.getEnvironment(request.actor, requestContextOf(request), request.params.envId),
      }),
    );

    app.patch(
      "/api/v1/workspace/:projectId/environments/:id",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Update an environment",
          description: "Changes an environment's name, slug or position; absent fields are kept.",
          params: EnvironmentParamsSchema,
          body: UpdateEnvironmentBodySchema,
          response: { 200: EnvironmentChangeResponseSchema },
        },
      },
      async (request) => {
        const { projectId, id } = request.params;
        const environment = await environmentService.updateEnvironment(request.actor, requestContextOf(request), projectId, id, request.body);
        return { message: "Successfully updated environment", projectId: environment.projectId, environment };
      },
    );

    app.delete(
      "/api/v1/workspace/:projectId/environments/:id",
      {
        config: { auth: true },
        schema: {
          tags,
          summary: "Delete an environment",
          description:
            "Deletes an environment with its folders and dynamic secrets. " +
            "With leases below, the answer is still 200 but the deletion is deferred: the dynamic secrets holding them " +
            "show `Revocation in process`, their leases are revoked in the background, then it is deleted (D29).",
          params: EnvironmentParamsSchema,
          response: { 200: EnvironmentChangeResponseSchema },
        },
      },
      async (request) => {
        const { projectId, id } = request.params;
        const environment = await environmentService.deleteEnvironment(request.actor, requestContextOf(request), projectId, id);
        return { message: "Successfully deleted environment", projectId: environment.projectId, environment };
      },
    );
  };
}
