// Pure pieces of the PATCH: merging inputs, comparing them, listing changed fields.

export type Inputs = Record<string, unknown>;
export type MetadataEntry = { key: string; value: string };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Infisical's shallow merge: every top-level key of the patch replaces the stored one; nested
 * objects are replaced, not merged. An absent patch leaves the stored inputs as they are.
 */
export function mergeInputs(stored: Inputs, patch: Inputs | undefined): Inputs {
  return patch === undefined ? { ...stored } : { ...stored, ...patch };
}

/** JSON with object keys sorted, so two equal values always serialize the same way. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Dotted paths whose value differs between two inputs objects: nested objects are compared leaf
 * by leaf, anything else (arrays included) as a whole. Keys added, removed or set to null count.
 */
export function changedInputPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const paths: string[] = [];
    for (const key of keys) {
      const path = prefix ? `${prefix}.${key}` : key;
      const inBefore = Object.hasOwn(before, key);
      const inAfter = Object.hasOwn(after, key);
      if (inBefore !== inAfter) paths.push(path);
      else paths.push(...changedInputPaths(before[key], after[key], path));
    }
    return paths;
  }
  return jsonEqual(before, after) ? [] : [prefix];
}

export type DiffSide = {
  name: string;
  defaultTTL: string;
  maxTTL: string | null;
  usernameTemplate: string | null;
  metadata: MetadataEntry[];
  inputs: Inputs;
};

/**
 * D6: every changed field, sorted. Top-level fields under their body names (defaultTTL, maxTTL,
 * name, usernameTemplate, metadata), provider inputs under their own key or dotted path. Only
 * names, never values.
 */
export function diffUpdatedFields(before: DiffSide, after: DiffSide): string[] {
  const fields = new Set<string>();
  for (const key of ["name", "defaultTTL", "maxTTL", "usernameTemplate", "metadata"] as const) {
    if (!jsonEqual(before[key], after[key])) fields.add(key);
  }
  for (const path of changedInputPaths(before.inputs, after.inputs)) fields.add(path);
  return [...fields].sort();
}

/** Removes one trailing slash, except from the root path (Infisical's removeTrailingSlash). */
export function removeTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
