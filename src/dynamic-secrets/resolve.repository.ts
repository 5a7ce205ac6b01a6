import { sql } from "kysely";
import { TOKEN_USE_COLUMNS, tokenUseCtes, tokenUseOfJson, type TokenUse } from "../auth/access-token.repository.js";
import type { Executor } from "../db/database.js";
import { grantsFromJson, grantsJsonSql, type ProjectAccess } from "../permissions/permission.repository.js";
import { folderWalkSql } from "../projects/folder.repository.js";
import { COLUMNS, toDomain, type Row } from "./dynamic-secret.repository.js";
import type { DynamicSecret } from "./dynamic-secret.types.js";
import type { MetadataEntry } from "./patch.js";

// Everything a dynamic-secret request starts from, in ONE round trip: the project by slug in the
// actor's organization, the actor's membership and grants in it, the folder walk, and the secret
// with its metadata. Read fresh on every request, so a revoked membership, an edited role or a
// moved folder counts from the very next request on every replica (D36) without any cache.

export type Located = {
  /** A pending caller's token row (undefined: no live row, or the caller was admitted already). */
  tokenUse?: TokenUse;
  /** Undefined when no project has this slug in the caller's organization. */
  project?: { id: string; orgId: string; name: string; type: string };
  /** Undefined when the identity is no member of the project. */
  access?: ProjectAccess & { membershipId: string };
  /** The deepest folder reached (undefined when the environment does not exist) and its depth. */
  walked?: { folderId: string; envId: string; depth: number };
  /** Undefined unless the walk reached the full path and the name exists there. */
  secret?: DynamicSecret;
};

const SECRET_COLUMNS = sql.join(COLUMNS.map((column) => sql.ref(`s.${column}`)));

/** Who is asking: an admitted caller, or the token of a pending one (read in the same statement). */
export type Asker = { orgId: string; identityId: string } | { token: { tokenId: string; identityId: string } };

export async function locateDynamicSecret(
  db: Executor,
  at: Asker & { projectSlug: string; environmentSlug: string; segments: string[]; name: string | null },
): Promise<Located> {
  const token = "token" in at ? at.token : undefined;
  // A pending caller's token row rides along (tokenUseCtes) and names the organization.
  const marker = token ? sql`/*prepared:locate_dynamic_secret_with_token*/` : sql`/*prepared:locate_dynamic_secret*/`;
  const tokenCtes = token ? sql`${tokenUseCtes(token.tokenId)},` : sql``;
  const orgId = token ? sql`(SELECT org_id FROM cur)` : sql`${"orgId" in at ? at.orgId : null}::uuid`;
  const identityId = token ? token.identityId : "identityId" in at ? at.identityId : null;
  const tokenUse = token ? sql`(SELECT row_to_json(u) FROM (SELECT ${TOKEN_USE_COLUMNS} FROM cur) u)` : sql`NULL::json`;
  const { rows } = await sql<
    Omit<Row, "id"> & {
      id: string | null;
      token_use: unknown;
      project_id: string | null;
      project_org_id: string;
      project_name: string;
      project_type: string;
      membership_id: string | null;
      grants: unknown;
      walked_folder_id: string | null;
      walked_env_id: string | null;
      walked_depth: number | null;
      metadata: unknown;
    }
  >`${marker}
    WITH RECURSIVE ${tokenCtes} p AS (
      SELECT id, org_id, name, type FROM projects WHERE org_id = ${orgId} AND slug = ${at.projectSlug}
    ), walk AS (${folderWalkSql(sql`(SELECT id FROM p)`, at.environmentSlug, at.segments)}
    ), folder AS (
      SELECT id, env_id, depth FROM walk ORDER BY depth DESC LIMIT 1
    )
    SELECT ${tokenUse} AS token_use,
           p.id AS project_id, p.org_id AS project_org_id, p.name AS project_name, p.type AS project_type,
           m.id AS membership_id, ${grantsJsonSql(sql`m.id`)} AS grants,
           folder.id AS walked_folder_id, folder.env_id AS walked_env_id, folder.depth AS walked_depth,
           ${SECRET_COLUMNS},
           (SELECT COALESCE(json_agg(json_build_object('key', rm.key, 'value', rm.value) ORDER BY rm.position, rm.created_at), '[]'::json)
            FROM resource_metadata rm WHERE rm.dynamic_secret_id = s.id) AS metadata
    FROM (SELECT 1) AS one
    LEFT JOIN p ON true
    LEFT JOIN identity_project_memberships m ON m.project_id = p.id AND m.identity_id = ${identityId}::uuid
    LEFT JOIN folder ON true
    LEFT JOIN dynamic_secrets s ON s.folder_id = folder.id AND folder.depth = ${at.segments.length} AND s.name = ${at.name}`.execute(db);
  const row = rows[0]!;
  const located: Located = { tokenUse: token ? tokenUseOfJson(row.token_use) : undefined };
  if (!row.project_id) return located;
  const project = { id: row.project_id, orgId: row.project_org_id, name: row.project_name, type: row.project_type };
  const metadata = (typeof row.metadata === "string" ? JSON.parse(row.metadata) : row.metadata) as MetadataEntry[];
  return {
    ...located,
    project,
    access: row.membership_id
      ? { project, membershipId: row.membership_id, ...grantsFromJson(row.grants) }
      : undefined,
    walked: row.walked_folder_id
      ? { folderId: row.walked_folder_id, envId: row.walked_env_id!, depth: Number(row.walked_depth) }
      : undefined,
    secret: row.id ? toDomain(row as Row, metadata) : undefined,
  };
}
