// Everything the server keeps in memory between requests lives here: what, for how
// long, and why no other process can make it stale (D36).
//
// Cached:
// - project data keys, unwrapped (per database, keyed by project id): a project's data key never
//   changes — root-key rotation re-wraps the same key — so an entry is never stale;
// - compiled permission rule sets (process-wide, keyed by the rules' content): an edited role has
//   other content, hence another key, so an entry is never stale; built-in roles alone, whose
//   rules are constants of the process, are keyed by their slugs;
// - trusted-IP allow-lists as BlockLists (process-wide, keyed by the ranges' content): a changed
//   list has another key, so an entry is never stale;
// - verified access-token strings (per container, keyed by the whole JWT): what checking its
//   signature yielded never changes for a given string; its exp/nbf are checked on every use, and
//   the token's row (revocation, uses, TTL, membership) is still read by every request.
// Built once, not cached: the token signing key object (auth.service); named prepared statements
// (db/client.ts: per connection, one per fixed statement text). In flight only: the per-secret
// PATCH queue, which hands each PATCH the row its predecessor wrote (a hint checked by the write).
// Not cached, on purpose: access-token rows, organization and project memberships, roles, privileges,
// projects, environments, folders and secrets. A request reads them fresh, folded into its few
// statements (authentication: one; dynamic-secret lookups: one), so a revoked token, a removed
// membership or an edited role counts from the very next request on every replica.

import type { BlockList } from "node:net";

/** A Map that forgets its oldest entry past `limit` (insertion order; entries are never stale). */
export function createBoundedCache<K, V>(limit: number) {
  const entries = new Map<K, V>();
  return {
    get: (key: K): V | undefined => entries.get(key),
    set(key: K, value: V): void {
      if (!entries.has(key) && entries.size >= limit) entries.delete(entries.keys().next().value as K);
      entries.set(key, value);
    },
    delete: (key: K): void => {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}

export type BoundedCache<K, V> = ReturnType<typeof createBoundedCache<K, V>>;

/** Compiled rule sets: compiling costs more than evaluating, and most members share a few sets. */
export const compiledRuleSets = createBoundedCache<string, unknown>(500);

/** Trusted-IP ranges (their content) → the node:net BlockList checking them; never modified once built. */
export const trustedIpLists = createBoundedCache<string, BlockList>(1_000);

/** The caches of one database (one container). */
export function createCaches() {
  return {
    /** Project id → unwrapped data key. */
    dataKeys: createBoundedCache<string, Buffer>(10_000),
  };
}

export type Caches = ReturnType<typeof createCaches>;
