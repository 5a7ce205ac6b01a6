import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { FolderService } from "./folder.service.js";
import {
  CreateEnvironmentBodySchema,
  CreateEnvironmentResponseSchema,
  CreateFolderBodySchema,
  CreateProjectBodySchema,
  FolderSchema,
  ListFoldersQuerySchema,
  ProjectIdParamsSchema,
  ProjectSchema,
} from "./project.schemas.js";
import type { ProjectService } from "./project.service.js";

// Project set-up routes (auth-and-permissions.md §C.1–C.3).

const security = [{ bearerAuth: [] }];

export function projectRoutes({
  projectService,
  folderService,
}: {
  projectService: ProjectService;
  folderService: FolderService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v2/workspace",
      {
        config: { auth: true },
        schema: { tags: ["projects"], security, body: CreateProjectBodySchema, response: { 200: z.object({ project: ProjectSchema }) } },
      },
      async (request) => {
        const project = await projectService.createProject(request.actor, request.body);
        return {
          project: {
            ...project,
            _id: project.id,
            environments: project.environments.map(({ name, slug, id }) => ({ name, slug, id })),
          },
        };
      },
    );

    app.post(
      "/api/v1/workspace/:projectId/environments",
      {
        config: { auth: true },
        schema: {
          tags: ["projects"],
          security,
          params: ProjectIdParamsSchema,
          body: CreateEnvironmentBodySchema,
          response: { 200: CreateEnvironmentResponseSchema },
        },
      },
      async (request) => {
        const environment = await projectService.createEnvironment(request.actor, request.params.projectId, request.body);
        return {
          message: "Successfully created new environment",
          projectId: environment.projectId,
          workspace: environment.projectId,
          environment,
        };
      },
    );

    app.post(
      "/api/v1/folders",
      {
        config: { auth: true },
        schema: { tags: ["folders"], security, body: CreateFolderBodySchema, response: { 200: z.object({ folder: FolderSchema }) } },
      },
      async (request) => ({
        folder: await folderService.createFolder(request.actor, {
          projectId: request.body.workspaceId,
          environment: request.body.environment,
          name: request.body.name,
          path: request.body.path ?? request.body.directory ?? "/",
          description: request.body.description ?? null,
        }),
      }),
    );

    app.get(
      "/api/v1/folders",
      {
        config: { auth: true },
        schema: {
          tags: ["folders"],
          security,
          querystring: ListFoldersQuerySchema,
          response: { 200: z.object({ folders: z.array(FolderSchema) }) },
        },
      },
      async (request) => ({
        folders: await folderService.listFolders(request.actor, {
          projectId: request.query.workspaceId,
          environment: request.query.environment,
          path: request.query.path ?? request.query.directory ?? "/",
        }),
      }),
    );
  };
}
