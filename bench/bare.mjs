// The "bare ceiling" of `npm run bench`: Fastify 5 + pg Pool (10, the product's default in
// src/db/client.ts) and one route, PATCH /api/v1/dynamic-secrets/:name, doing the minimal honest
// transaction a PATCH needs. No auth, no crypto, no logging. Schema: bare-schema.ts (run.ts creates it).
//
//   BARE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> PORT=8091 BARE_MODE=tx|cte [BARE_PREPARED=1] node bench/bare.mjs
//
// BARE_MODE=tx  (default) 5 round trips: BEGIN; SELECT … JOIN folder/env/project … FOR UPDATE;
//               UPDATE … version+1 … RETURNING; INSERT audit (jsonb); COMMIT.
// BARE_MODE=cte 1 round trip: the same lock, update and audit insert as one data-modifying CTE
//               statement in autocommit (the lower bound of round trips for a PATCH).
import Fastify from "fastify";
import pg from "pg";

const url = process.env.BARE_DATABASE_URL;
if (!url) {
  console.error("BARE_DATABASE_URL is required");
  process.exit(1);
}
const mode = process.env.BARE_MODE ?? "tx";
if (mode !== "tx" && mode !== "cte") {
  console.error("BARE_MODE must be tx or cte");
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8091);
// BARE_PREPARED=1: named prepared statements (parsed once per connection, plans cached).
const prepared = process.env.BARE_PREPARED === "1";
const q = (name, text, values) => (prepared ? { name, text, values } : { text, values });
const pool = new pg.Pool({ connectionString: url, max: Number(process.env.BARE_POOL_SIZE ?? 10) });
pool.on("error", () => undefined);

const LOCK = `
  SELECT s.id, s.name, s.version, s.type, s.default_ttl, s.max_ttl, s.username_template, s.inputs, s.metadata,
         s.status, p.id AS project_id, p.org_id
  FROM dynamic_secrets s
  JOIN folders f ON f.id = s.folder_id
  JOIN environments e ON e.id = f.env_id
  JOIN projects p ON p.id = e.project_id
  WHERE p.slug = $1 AND e.slug = $2 AND f.path = $3 AND s.name = $4
  FOR UPDATE OF s`;

const RETURNED = `id, folder_id, name, version, type, default_ttl, max_ttl, username_template, inputs, metadata, status,
  created_at, updated_at`;

const UPDATE = `
  UPDATE dynamic_secrets SET
    version = version + 1,
    updated_at = now(),
    status = NULL,
    default_ttl = COALESCE($2, default_ttl),
    max_ttl = CASE WHEN $3::boolean THEN $4 ELSE max_ttl END,
    name = COALESCE($5, name),
    inputs = CASE WHEN $6::jsonb IS NULL THEN inputs ELSE inputs || $6::jsonb END,
    metadata = COALESCE($7::jsonb, metadata),
    username_template = CASE WHEN $8::boolean THEN $9 ELSE username_template END
  WHERE id = $1
  RETURNING ${RETURNED}`;

const AUDIT = `
  INSERT INTO audit_logs (org_id, project_id, actor, ip_address, user_agent, event_type, event_metadata)
  VALUES ($1, $2, 'anonymous', $3, $4, 'update-dynamic-secret', $5::jsonb)`;

// Everything in one statement: lock (FOR UPDATE re-reads the newest row under concurrency),
// update, audit row with the changed-field list computed in SQL.
const CTE = `
  WITH cur AS (
    SELECT s.id, s.name, s.default_ttl, s.max_ttl, s.username_template, s.inputs, s.metadata,
           p.id AS project_id, p.org_id
    FROM dynamic_secrets s
    JOIN folders f ON f.id = s.folder_id
    JOIN environments e ON e.id = f.env_id
    JOIN projects p ON p.id = e.project_id
    WHERE p.slug = $1 AND e.slug = $2 AND f.path = $3 AND s.name = $4
    FOR UPDATE OF s
  ), upd AS (
    UPDATE dynamic_secrets d SET
      version = d.version + 1,
      updated_at = now(),
      status = NULL,
      default_ttl = COALESCE($5, d.default_ttl),
      max_ttl = CASE WHEN $6::boolean THEN $7 ELSE d.max_ttl END,
      name = COALESCE($8, d.name),
      inputs = CASE WHEN $9::jsonb IS NULL THEN d.inputs ELSE d.inputs || $9::jsonb END,
      metadata = COALESCE($10::jsonb, d.metadata),
      username_template = CASE WHEN $11::boolean THEN $12 ELSE d.username_template END
    FROM cur
    WHERE d.id = cur.id
    RETURNING d.id, d.folder_id, d.name, d.version, d.type, d.default_ttl, d.max_ttl, d.username_template, d.inputs,
      d.metadata, d.status, d.created_at, d.updated_at, cur.project_id, cur.org_id,
      array_remove(ARRAY[
        CASE WHEN d.default_ttl IS DISTINCT FROM cur.default_ttl THEN 'defaultTTL' END,
        CASE WHEN d.max_ttl IS DISTINCT FROM cur.max_ttl THEN 'maxTTL' END,
        CASE WHEN d.name IS DISTINCT FROM cur.name THEN 'name' END,
        CASE WHEN d.username_template IS DISTINCT FROM cur.username_template THEN 'usernameTemplate' END,
        CASE WHEN d.metadata IS DISTINCT FROM cur.metadata THEN 'metadata' END
      ], NULL) || COALESCE((
        SELECT array_agg(j.key ORDER BY j.key) FROM jsonb_each($9::jsonb) j
        WHERE cur.inputs -> j.key IS DISTINCT FROM j.value
      ), '{}') AS updated_fields
  ), aud AS (
    INSERT INTO audit_logs (org_id, project_id, actor, ip_address, user_agent, event_type, event_metadata)
    SELECT upd.org_id, upd.project_id, 'anonymous', $13, $14, 'update-dynamic-secret',
           jsonb_build_object('dynamicSecretName', upd.name, 'dynamicSecretType', upd.type, 'dynamicSecretId', upd.id,
                              'environment', $2::text, 'secretPath', $3::text, 'projectId', upd.project_id,
                              'updatedFields', to_jsonb(upd.updated_fields))
    FROM upd
  )
  SELECT id, folder_id, name, version, type, default_ttl, max_ttl, username_template, inputs, metadata, status,
         created_at, updated_at
  FROM upd`;

const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const json = (value) => (value === undefined ? null : JSON.stringify(value));

function changedFields(before, patch) {
  const fields = [];
  if (patch.defaultTTL !== undefined && patch.defaultTTL !== before.default_ttl) fields.push("defaultTTL");
  if (has(patch, "maxTTL") && patch.maxTTL !== before.max_ttl) fields.push("maxTTL");
  if (patch.newName !== undefined && patch.newName !== before.name) fields.push("name");
  if (has(patch, "usernameTemplate") && patch.usernameTemplate !== before.username_template) fields.push("usernameTemplate");
  if (patch.metadata !== undefined && JSON.stringify(patch.metadata) !== JSON.stringify(before.metadata)) fields.push("metadata");
  for (const key of Object.keys(patch.inputs ?? {}).sort()) {
    if (JSON.stringify(patch.inputs[key]) !== JSON.stringify(before.inputs[key])) fields.push(key);
  }
  return fields;
}

const app = Fastify({ logger: false });

app.patch("/api/v1/dynamic-secrets/:name", async (request, reply) => {
  const body = request.body;
  const data = body?.data;
  if (typeof body?.projectSlug !== "string" || typeof body.environmentSlug !== "string" || typeof data !== "object" || data === null) {
    reply.code(422);
    return { statusCode: 422, message: "projectSlug, environmentSlug and data are required", error: "ValidationFailure" };
  }
  const path = typeof body.path === "string" && body.path.length > 1 ? body.path.replace(/\/$/, "") : (body.path ?? "/");
  const name = request.params.name.toLowerCase();
  const notFound = () => {
    reply.code(404);
    return { statusCode: 404, message: `Dynamic secret with name '${name}' in folder '${path}' not found`, error: "NotFound" };
  };
  const userAgent = request.headers["user-agent"] ?? null;

  if (mode === "cte") {
    const { rows } = await pool.query(q("ds_patch_cte", CTE, [
      body.projectSlug, body.environmentSlug, path, name,
      data.defaultTTL ?? null, has(data, "maxTTL"), data.maxTTL ?? null, data.newName ?? null,
      json(data.inputs), json(data.metadata), has(data, "usernameTemplate"), data.usernameTemplate ?? null,
      request.ip, userAgent,
    ]));
    if (!rows[0]) return notFound();
    reply.header("etag", `"${rows[0].version}"`);
    return { dynamicSecret: rows[0] };
  }

  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows: [current] } = await client.query(q("ds_lock", LOCK, [body.projectSlug, body.environmentSlug, path, name]));
    if (!current) {
      await client.query("ROLLBACK");
      return notFound();
    }
    const { rows: [updated] } = await client.query(q("ds_update", UPDATE, [
      current.id, data.defaultTTL ?? null, has(data, "maxTTL"), data.maxTTL ?? null, data.newName ?? null,
      json(data.inputs), json(data.metadata), has(data, "usernameTemplate"), data.usernameTemplate ?? null,
    ]));
    const metadata = {
      dynamicSecretName: updated.name,
      dynamicSecretType: updated.type,
      dynamicSecretId: updated.id,
      environment: body.environmentSlug,
      secretPath: path,
      projectId: current.project_id,
      updatedFields: changedFields(current, data),
    };
    await client.query(q("ds_audit", AUDIT, [current.org_id, current.project_id, request.ip, userAgent, JSON.stringify(metadata)]));
    await client.query("COMMIT");
    reply.header("etag", `"${updated.version}"`);
    return { dynamicSecret: updated };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
});

app.get("/api/status", async () => ({ status: "ok" }));

await app.listen({ host: "127.0.0.1", port });
console.log(`bare (${mode}${prepared ? ", prepared" : ""}) listening on 127.0.0.1:${port}`);
const shutdown = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
