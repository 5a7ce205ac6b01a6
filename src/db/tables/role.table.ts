import type { Generated } from "kysely";
import type { Id, Json, Timestamps } from "./common.js";

export type ProjectRolesTable = Timestamps & {
  id: Id;
  project_id: string;
  name: string;
  slug: string;
  description: string | null;
  permissions: Json<unknown[]>;
};

export type IdentityProjectMembershipsTable = Timestamps & {
  id: Id;
  project_id: string;
  identity_id: string;
};

export type IdentityProjectMembershipRolesTable = Timestamps & {
  id: Id;
  membership_id: string;
  role: string;
  custom_role_id: string | null;
  position: Generated<number>;
  is_temporary: Generated<boolean>;
  temporary_mode: string | null;
  temporary_range: string | null;
  temporary_access_start_time: Date | null;
  temporary_access_end_time: Date | null;
};
