import type { Config } from "./config.js";
import type { Db } from "./db/database.js";
import { createAuthService } from "./auth/auth.service.js";
import { createPermissionService } from "./permissions/permission.service.js";
import { createFolderService } from "./projects/folder.service.js";
import { createProjectService } from "./projects/project.service.js";

// Composition root: database → repositories → kms/permissions/audit → services.
// Kept explicit and short; routes receive only the services they use.
export function createContainer({ config, db, dbHost }: { config: Config; db: Db; dbHost?: string }) {
  const permissionService = createPermissionService({ db });
  const authService = createAuthService({ db, config });
  const projectService = createProjectService({ db, permissionService });
  const folderService = createFolderService({ db, permissionService });
  return {
    config,
    db,
    dbHost,
    permissionService,
    authService,
    projectService,
    folderService,
  };
}

export type Container = ReturnType<typeof createContainer>;
