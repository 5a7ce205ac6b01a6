import type { Generated } from "kysely";
import type { Id, Timestamps } from "./common.js";

export type ProjectsTable = Timestamps & {
  id: Id;
  org_id: string;
  name: string;
  slug: string;
  description: string | null;
  type: Generated<string>;
  version: Generated<number>;
  pit_version_limit: Generated<number>;
  auto_capitalization: Generated<boolean>;
  has_delete_protection: Generated<boolean>;
  audit_logs_retention_days: number | null;
};

export type ProjectEnvironmentsTable = Timestamps & {
  id: Id;
  project_id: string;
  name: string;
  slug: string;
  position: number;
};

export type SecretFoldersTable = Timestamps & {
  id: Id;
  env_id: string;
  parent_id: string | null;
  name: string;
  version: Generated<number>;
  is_reserved: Generated<boolean>;
  description: string | null;
  last_secret_modified: Date | null;
};
