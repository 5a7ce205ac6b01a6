import pg from "pg";

// The bare ceiling's own small schema: project → environment → folder (full path on the row) →
// dynamic secret (inputs and metadata as jsonb, no encryption) + an audit table with one index.

export const BARE_PROJECT = "bench-proj";

const SCHEMA = `
CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL,
  slug text NOT NULL UNIQUE,
  name text NOT NULL
);
CREATE TABLE environments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  slug text NOT NULL,
  UNIQUE (project_id, slug)
);
CREATE TABLE folders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  env_id uuid NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  path text NOT NULL,
  UNIQUE (env_id, path)
);
CREATE TABLE dynamic_secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  folder_id uuid NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  name varchar(64) NOT NULL,
  version integer NOT NULL DEFAULT 1,
  type varchar(64) NOT NULL,
  default_ttl varchar(255) NOT NULL,
  max_ttl varchar(255),
  username_template varchar(255),
  inputs jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '[]',
  status varchar(255),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (folder_id, name)
);
CREATE TABLE audit_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid,
  project_id uuid,
  actor varchar(64) NOT NULL,
  ip_address varchar(255),
  user_agent text,
  event_type varchar(255) NOT NULL,
  event_metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_logs_project_created_idx ON audit_logs (project_id, created_at DESC);
`;

/** Creates the schema and the given secrets ({path, name}, environment "dev") in database `url`. */
export async function setupBare(url: string, secrets: { path: string; name: string }[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(SCHEMA);
    const project = await client.query(`INSERT INTO projects (org_id, slug, name) VALUES (gen_random_uuid(), $1, 'bench') RETURNING id`, [BARE_PROJECT]);
    const env = await client.query(`INSERT INTO environments (project_id, slug) VALUES ($1, 'dev') RETURNING id`, [project.rows[0].id]);
    const folderIds = new Map<string, string>();
    for (const { path, name } of secrets) {
      if (!folderIds.has(path)) {
        const folder = await client.query(`INSERT INTO folders (env_id, path) VALUES ($1, $2) RETURNING id`, [env.rows[0].id, path]);
        folderIds.set(path, folder.rows[0].id);
      }
      await client.query(
        `INSERT INTO dynamic_secrets (folder_id, name, type, default_ttl, max_ttl, inputs, metadata)
         VALUES ($1, $2, 'totp', '1h', '24h', $3, $4)`,
        [folderIds.get(path), name, JSON.stringify({ configType: "manual", secret: "JBSWY3DPEHPK3PXP" }), JSON.stringify([{ key: "team", value: "payments" }])],
      );
    }
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}
