import type { Generated } from "kysely";
import type { Bytes, Id, Timestamps } from "./common.js";

export type DynamicSecretsTable = Timestamps & {
  id: Id;
  folder_id: string;
  name: string;
  version: Generated<number>;
  type: string;
  default_ttl: string;
  max_ttl: string | null;
  encrypted_input: Bytes;
  status: string | null;
  status_details: string | null;
  username_template: string | null;
  gateway_id: string | null;
  gateway_v2_id: string | null;
  gateway_pool_id: string | null;
};

export type ResourceMetadataTable = Timestamps & {
  id: Id;
  key: string;
  value: Generated<string>;
  org_id: string;
  identity_id: string | null;
  dynamic_secret_id: string | null;
  position: Generated<number>;
};
