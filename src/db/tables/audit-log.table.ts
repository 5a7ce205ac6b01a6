import type { Id, Json, Timestamps } from "./common.js";

export type AuditLogsTable = Timestamps & {
  id: Id;
  org_id: string | null;
  project_id: string | null;
  project_name: string | null;
  actor: string;
  actor_metadata: Json<Record<string, unknown>>;
  ip_address: string | null;
  user_agent: string | null;
  user_agent_type: string | null;
  event_type: string;
  event_metadata: Json<Record<string, unknown> | null> ;
  expires_at: Date | null;
};
