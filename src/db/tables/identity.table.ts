import type { Generated } from "kysely";
import type { Id, Json, Timestamps, TrustedIp } from "./common.js";

export type OrganizationsTable = Timestamps & { id: Id; name: string; slug: string };

export type InstanceSettingsTable = Timestamps & {
  id: number;
  initialized: Generated<boolean>;
  instance_admin_identity_id: string | null;
};

export type UsersTable = Timestamps & {
  id: Id;
  email: string;
  username: string;
  first_name: string | null;
  last_name: string | null;
  super_admin: Generated<boolean>;
  password_hash: string;
};

export type IdentitiesTable = Timestamps & {
  id: Id;
  name: string;
  has_delete_protection: Generated<boolean>;
};

export type OrgMembershipsTable = Timestamps & {
  id: Id;
  org_id: string;
  user_id: string | null;
  identity_id: string | null;
  role: string;
  is_active: Generated<boolean>;
  last_login_at: Date | null;
};

export type IdentityUniversalAuthsTable = Timestamps & {
  id: Id;
  identity_id: string;
  client_id: string;
  access_token_ttl: Generated<number>;
  access_token_max_ttl: Generated<number>;
  access_token_num_uses_limit: Generated<number>;
  access_token_period: Generated<number>;
  client_secret_trusted_ips: Json<TrustedIp[]>;
  access_token_trusted_ips: Json<TrustedIp[]>;
  lockout_enabled: Generated<boolean>;
  lockout_threshold: Generated<number>;
  lockout_duration_seconds: Generated<number>;
  lockout_counter_reset_seconds: Generated<number>;
  lockout_failed_attempts: Generated<number>;
  lockout_window_started_at: Date | null;
  locked_until: Date | null;
};

export type IdentityUaClientSecretsTable = Timestamps & {
  id: Id;
  identity_ua_id: string;
  description: Generated<string>;
  client_secret_prefix: string;
  client_secret_hash: string;
  client_secret_last_used_at: Date | null;
  client_secret_num_uses: Generated<number>;
  client_secret_num_uses_limit: Generated<number>;
  client_secret_ttl: Generated<number>;
  is_client_secret_revoked: Generated<boolean>;
};

export type IdentityTokenAuthsTable = Timestamps & {
  id: Id;
  identity_id: string;
  access_token_ttl: Generated<number>;
  access_token_max_ttl: Generated<number>;
  access_token_num_uses_limit: Generated<number>;
  access_token_trusted_ips: Json<TrustedIp[]>;
};

export type IdentityAccessTokensTable = Timestamps & {
  id: Id;
  identity_id: string;
  identity_ua_client_secret_id: string | null;
  name: string | null;
  auth_method: string;
  access_token_ttl: Generated<number>;
  access_token_max_ttl: Generated<number>;
  access_token_num_uses: Generated<number>;
  access_token_num_uses_limit: Generated<number>;
  access_token_period: Generated<number>;
  access_token_last_used_at: Date | null;
  access_token_last_renewed_at: Date | null;
  is_access_token_revoked: Generated<boolean>;
};
