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
