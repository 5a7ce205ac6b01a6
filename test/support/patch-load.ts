import pg from "pg";
import { expect } from "vitest";
import { envelope } from "./envelope.js";

// A PATCH load over real HTTP for fault tests. Each client owns one dynamic secret and PATCHes it in
// a loop, so it knows which version every answer must carry. A 503 may hide a commit that happened
// (its answer was lost with the connection): the client then reads the secret back until it gets a
// 200 and counts the write as an uncertain commit if the version moved. Afterwards, for every
// secret: version = start + its 200s + its uncertain commits, and one audit row per version step.

type Json = Record<string, any>;
export type Answer = { status: number; body: Json };

export const LOAD_LOCATOR = { projectSlug: "faults", environmentSlug: "dev", path: "/" } as const;
const PAUSE_AFTER_503_MS = 25;

export async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function ok(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Json> {
  const res = await call(base, method, path, token, body);
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Bootstrap → project `faults` → `count` TOTP dynamic secrets at dev:/ (load-0 …). */
export async function seedLoadSecrets(base: string, count: number): Promise<{ token: string; names: string[] }> {
  const boot = await ok(base, "POST", "/api/v1/admin/bootstrap", undefined, { email: "ops@example.com", password: "fault-tests-password", organization: "faults" });
  const token: string = boot.identity.credentials.token;
  await ok(base, "POST", "/api/v2/workspace", token, { projectName: "faults", slug: LOAD_LOCATOR.projectSlug });
  const names = Array.from({ length: count }, (_, i) => `load-${i}`);
  for (const name of names) {
    await ok(base, "POST", "/api/v1/dynamic-secrets", token, {
      ...LOAD_LOCATOR,
      name,
      provider: { type: "totp", inputs: { configType: "manual", secret: "JBSWY3DPEHPK3PXP" } },
      defaultTTL: "1h",
    });
  }
  return { token, names };
}

export type SecretTally = {
  name: string;
  /** The version the client read before its first PATCH, and the last one it saw. */
  startVersion: number;
  version: number;
  n200: number;
  n503: number;
  /** 503s whose write turned out to be committed (the version had moved when read back). */
  uncertainCommits: number;
};
export type LoadResult = {
  tallies: SecretTally[];
  /** Anything but the expected answers: other statuses, bad envelopes, wrong versions, network errors. */
  unexpected: string[];
  /** Receive time of every answer (PATCH and read-back GET). */
  answers: { at: number; status: number }[];
};

/** The exact 503 envelope while the database is away. */
export function expectUnavailableEnvelope(body: Json): void {
  expect(body).toEqual(envelope(503, "ServiceUnavailable", "The database is unavailable; try again shortly"));
}

function isUnavailableEnvelope(body: Json): boolean {
  try {
    expectUnavailableEnvelope(body);
    return true;
  } catch {
    return false;
  }
}

export function startPatchLoad(base: string, token: string, names: string[]): { stop: () => Promise<LoadResult> } {
  let stopped = false;
  const unexpected: string[] = [];
  const answers: LoadResult["answers"] = [];
  const query = new URLSearchParams(LOAD_LOCATOR).toString();

  const attempt = async (method: string, path: string, body?: unknown): Promise<Answer | undefined> => {
    try {
      const answer = await call(base, method, path, token, body);
      answers.push({ at: Date.now(), status: answer.status });
      if (answer.status === 503 && !isUnavailableEnvelope(answer.body)) unexpected.push(`${method} 503 body ${JSON.stringify(answer.body)}`);
      if (answer.status !== 200 && answer.status !== 503) unexpected.push(`${method} ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    } catch (err) {
      unexpected.push(`${method} ${path}: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? "")}`);
      await new Promise((r) => setTimeout(r, PAUSE_AFTER_503_MS));
      return undefined;
    }
  };

  /** The stored version, read until the server answers 200 (undefined if stopped meanwhile). */
  const readVersion = async (name: string): Promise<number | undefined> => {
    for (;;) {
      const read = await attempt("GET", `/api/v1/dynamic-secrets/${name}?${query}`);
      if (read?.status === 200) return read.body.dynamicSecret?.version;
      if (stopped && !read) return undefined;
      await new Promise((r) => setTimeout(r, PAUSE_AFTER_503_MS));
    }
  };

  const client = async (name: string): Promise<SecretTally> => {
    const tally: Omit<SecretTally, "startVersion"> = { name, n200: 0, n503: 0, uncertainCommits: 0, version: (await readVersion(name)) ?? 0 };
    const start = tally.version;
    for (let i = 1; !stopped; i += 1) {
      const res = await attempt("PATCH", `/api/v1/dynamic-secrets/${name}`, { ...LOAD_LOCATOR, data: { defaultTTL: `${(i % 50) + 1}m` } });
      if (res?.status === 200) {
        tally.n200 += 1;
        const version = res.body.dynamicSecret?.version;
        if (version !== tally.version + 1) unexpected.push(`${name}: 200 with version ${version}, expected ${tally.version + 1}`);
        tally.version = version;
      } else if (res?.status === 503) {
        tally.n503 += 1;
        await new Promise((r) => setTimeout(r, PAUSE_AFTER_503_MS));
        // Read back: did the write whose answer was a 503 commit after all?
        const version = await readVersion(name);
        if (version === undefined) break;
        if (version === tally.version + 1) tally.uncertainCommits += 1;
        else if (version !== tally.version) unexpected.push(`${name}: read back version ${version} after a 503, expected ${tally.version} or ${tally.version + 1}`);
        tally.version = version;
      }
    }
    if (tally.version !== start + tally.n200 + tally.uncertainCommits) unexpected.push(`${name}: version ${tally.version} after ${start} + ${tally.n200} 200s + ${tally.uncertainCommits} uncertain commits`);
    return { ...tally, startVersion: start };
  };

  const running = Promise.all(names.map(client));
  return {
    stop: async () => {
      stopped = true;
      return { tallies: await running, unexpected, answers };
    },
  };
}

/** First 200 received at or after `since` (ms since the epoch), or undefined. */
export function first200After(result: LoadResult, since: number): number | undefined {
  return result.answers.filter((a) => a.status === 200 && a.at >= since).reduce<number | undefined>((min, a) => (min === undefined || a.at < min ? a.at : min), undefined);
}

/**
 * No write lost, doubled or partial: for every secret, the stored version is the one its client
 * last saw, equals its start + 200s + uncertain commits, and the audit log has one update row per
 * version step (version - 1 in all: creation is version 1).
 */
export async function expectWritesConsistent(databaseUrl: string, tallies: SecretTally[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; version: number; audit_rows: string }>(
      `SELECT d.name, d.version,
              (SELECT count(*) FROM audit_logs a WHERE a.event_type = 'update-dynamic-secret'
                 AND a.event_metadata->>'dynamicSecretId' = d.id::text) AS audit_rows
         FROM dynamic_secrets d WHERE d.name = ANY($1)`,
      [tallies.map((t) => t.name)],
    );
    const stored = Object.fromEntries(rows.map((r) => [r.name, { version: r.version, auditRows: Number(r.audit_rows) }]));
    for (const t of tallies) {
      expect({ name: t.name, ...stored[t.name] }).toEqual({ name: t.name, version: t.version, auditRows: t.version - 1 });
      expect(t.version).toBe(t.startVersion + t.n200 + t.uncertainCommits);
    }
  } finally {
    await client.end();
  }
}
