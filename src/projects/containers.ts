import type { Trx } from "../db/database.js";
import * as environments from "./environment.repository.js";
import * as folders from "./folder.repository.js";
import * as projects from "./project.repository.js";

// The containers of dynamic secrets: a project, an environment or a folder. Their DELETE routes
// are the services'; this is the deletion the lease worker finishes once a container's leases are
// revoked (D29, leases/container-deletion.ts). Everything below the container cascades.

export type ContainerScope = { projectId: string } | { environmentId: string } | { folderId: string };

/** Deletes the container inside the caller's transaction. */
export async function deleteContainer(trx: Trx, scope: ContainerScope): Promise<void> {
  if ("projectId" in scope) await projects.deleteProject(trx, scope.projectId);
  else if ("environmentId" in scope) await environments.deleteEnvironment(trx, scope.environmentId);
  else await folders.deleteFolder(trx, scope.folderId);
}
