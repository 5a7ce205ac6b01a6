import type { Generated } from "kysely";
import type { Id, Json, Timestamps } from "./common.js";

export type IdentityProjectAdditionalPrivilegesTable = Timestamps & {
  id: Id;
  membership_id: string;
  slug: string;
  permissions: Json<unknown[]>;
  is_temporary: Generated<boolean>;
  temporary_mode: string | null;
  temporary_range: string | null;
  temporary_access_start_time: Date | null;
  temporary_access_end_time: Date | null;
};
