import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { FolderService } from "./folder.service.js";
import { requestContextOf } from "../http/request-context.js";
import {
  CreateFolderBodySchema,
  CreateProjectBodySchema,
  DeleteFolderBodySchema,
  FolderIdOrNameParamsSchema,
  FolderByIdParamsSchema,
  FolderIdParamsSchema,
  FolderSchema,
  FolderWithPathSchema,
  ListFoldersQuerySchema,
  ListProjectsQuerySchema,
  ProjectIdParamsSchema,
  ProjectSchema,
  SanitizedProjectSchema,
  UpdateFolderBodySchema,
  UpdateProjectBodySchema,
} from "./project.schemas.js";
import type { ProjectService, ProjectWithEnvironments } from "./project.service.js";

// Projects and folders (get, list, update, delete at Infisical parity).

/** Infisical's project body: `_id` and the environments as {name, slug, id}. */
const withEnvironments = (project: ProjectWithEnvironments) => ({
  ...project,
  _id: project.id,
  environments: project.environments.map(({ name, slug, id }) => ({ name, slug, id })),
});

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
        schema: {
          tags: ["projects"],
          summary: "Create a project",
          description:
            "Creates a project with the environments dev, staging and prod (each with a root folder) and makes " +
            "the calling identity its admin.",
          body: CreateProjectBodySchema,
          response: { 200: z.object({ project: ProjectSchema }) },
        },
      },
      async (request) => ({ project: withEnvironments(await projectService.createProject(request.actor, request.body)) }),
    );

    app.get(
      "/api/v1/workspace",
      {
        config: { auth: true },
        schema: {
          tags: ["projects"],
          summary: "List projects",
          description: "Lists the projects the calling identity is a member of.",
          querystring: ListProjectsQuerySchema,
          response: { 200: z.object({ projects: z.array(ProjectSchema) }) },
        },
      },
      async (request) => ({
        projects: (await projectService.listProjects(request.actor, request.query.type)).map(withEnvironments),
      }),
    );

    app.get(
      "/api/v1/workspace/:projectId",
      {
        config: { auth: true },
        schema: {
          tags: ["projects"],
          summary: "Get a project",
          description: "Reads a project with its environments.",
          params: ProjectIdParamsSchema,
          response: { 200: z.object({ project: ProjectSchema }) },
        },
      },
      async (request) => ({ project: withEnvironments(await projectService.getProject(request.actor, request.params.projectId)) }),
    );

    app.patch(
      "/api/v1/workspace/:projectId",
      {
        config: { auth: true },
        schema: {
          tags: ["projects"],
          summary: "Update a project",
          description: "Changes the project's name, slug or description; absent fields are kept.",
          params: ProjectIdParamsSchema,
          body: UpdateProjectBodySchema,
          response: { 200: z.object({ project: SanitizedProjectSchema }) },
        },
      },
      async (request) => ({
        project: await projectService.updateProject(request.actor, requestContextOf(request), request.params.projectId, request.body),
      }),
    );

    app.delete(
      "/api/v1/workspace/:projectId",
      {
        config: { auth: true },
        schema: {
          tags: ["projects"],
          summary: "Delete a project",
          description:
            "Deletes the project with its environments, folders, roles, memberships and dynamic secrets. " +
            "With leases below, the answer is still 200 but the deletion is deferred: the dynamic secrets holding them " +
            "show `Revocation in process`, their leases are revoked in the background, then it is deleted (D29).",
          params: ProjectIdParamsSchema,
          response: { 200: z.object({ project: SanitizedProjectSchema }) },
        },
      },
      async (request) => ({
        project: await projectService.deleteProject(request.actor, requestContextOf(request), request.params.projectId),
      }),
    );

    app.post(
      "/api/v1/folders",
      {
        config: { auth: true },
        schema: {
          tags: ["folders"],
          summary: "Create a folder",
          description: "Creates the folder `name` under `path` in the project's environment, creating missing parent folders.",
          body: CreateFolderBodySchema,
          response: { 200: z.object({ folder: FolderSchema }) },
        },
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
          summary: "List folders",
          description: "Lists the folders directly under `path` in the project's environment.",
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

    app.get(
      "/api/v1/folders/:id",
      {
        config: { auth: true },
        schema: {
          tags: ["folders"],
          summary: "Get a folder by id",
          description: "Reads a folder by its id, with its environment, project and full path.",
          params: FolderByIdParamsSchema,
          response: { 200: z.object({ folder: FolderWithPathSchema }) },
        },
      },
      async (request) => ({ folder: await folderService.getFolderById(request.actor, request.params.id) }),
    );

    app.patch(
      "/api/v1/folders/:folderId",
      {
        config: { auth: true },
        schema: {
          tags: ["folders"],
          summary: "Update a folder",
          description: "Renames the folder (by id or name, under `path`) or changes its description.",
          params: FolderIdParamsSchema,
          body: UpdateFolderBodySchema,
          response: { 200: z.object({ folder: FolderSchema }) },
        },
      },
      async (request) => ({
        folder: await folderService.updateFolder(request.actor, requestContextOf(request), {
          projectId: request.body.workspaceId,
          environment: request.body.environment,
          path: request.body.path ?? request.body.directory ?? "/",
          idOrName: request.params.folderId,
          name: request.body.name,
          description: request.body.description,
        }),
      }),
    );

    app.delete(
      "/api/v1/folders/:folderIdOrName",
      {
        config: { auth: true },
        schema: {
          tags: ["folders"],
          summary: "Delete a folder",
          description:
            "Deletes the folder (by id or name, under `path`) with everything below it. " +
            "With leases below, the answer is still 200 but the deletion is deferred: the dynamic secrets holding them " +
            "show `Revocation in process`, their leases are revoked in the background, then it is deleted (D29).",
          params: FolderIdOrNameParamsSchema,
          body: DeleteFolderBodySchema,
          response: { 200: z.object({ folder: FolderSchema }) },
        },
      },
      async (request) => ({
        folder: await folderService.deleteFolder(request.actor, requestContextOf(request), {
          projectId: request.body.workspaceId,
          environment: request.body.environment,
          path: request.body.path ?? request.body.directory ?? "/",
          idOrName: request.params.folderIdOrName,
        }),
      }),
    );
  };
}
