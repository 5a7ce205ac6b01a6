import type { ColumnType, Generated } from "kysely";
import type { Id, Timestamps } from "./common.js";

export type DynamicSecretLeasesTable = Timestamps & {
  id: Id;
  version: Generated<number>;
  external_entity_id: string;
  expire_at: Date;
  status: string | null;
  status_details: string | null;
  dynamic_secret_id: string;
  /** JSON text in, parsed JSON out. */
  config: ColumnType<unknown, string | null, string | null>;
  revoke_attempts: Generated<number>;
  next_attempt_at: Date | null;
};

/** D29: a project, environment or folder waiting for the leases below it to be revoked. */
export type PendingDeletionsTable = {
  id: Id;
  project_id: string | null;
  environment_id: string | null;
  folder_id: string | null;
  created_at: ColumnType<Date, never, never>;
};
