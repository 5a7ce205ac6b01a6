import { BadRequestError, NotFoundError } from "../lib/errors.js";
import { isPlainObject } from "../lib/objects.js";
import type { ProviderRegistry } from "./providers/index.js";

// Pure pieces of the PATCH: merging inputs, comparing them, listing changed fields.

export type Inputs = Record<string, unknown>;
export type MetadataEntry = { key: string; value: string };

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

/** D20: gateways are not supported; the messages are Infisical's. */
export function assertNoGateways(inputs: unknown): void {
  if (!isPlainObject(inputs)) return;
  const { gatewayId, gatewayPoolId } = inputs;
  if (gatewayId && gatewayPoolId) throw new BadRequestError("Cannot specify both a gateway and a gateway pool");
  if (gatewayId != null) throw new NotFoundError(`Gateway with ID ${String(gatewayId)} not found`);
  if (gatewayPoolId != null) throw new NotFoundError(`Gateway pool with ID ${String(gatewayPoolId)} not found`);
}

export type InputsPlan = { inputs: Inputs; changed: boolean };

/**
 * The inputs a PATCH would store, given some stored inputs: shallow merge, omitted secret fields
 * restored, then the provider's schema (422) and static checks (400). Without `inputs` in the
 * patch nothing is parsed, so stored inputs an older schema accepted never block an edit (D13).
 * `changed` decides whether a connection test is needed (D17) and whether the ciphertext is rewritten.
 */
export function planInputs(
  providers: Pick<ProviderRegistry, "restoreOmittedSecretFields" | "parseInputs">,
  type: string,
  stored: Inputs,
  patch: Inputs | undefined,
): InputsPlan {
  if (patch === undefined) return { inputs: stored, changed: false };
  const merged = providers.restoreOmittedSecretFields(type, stored, mergeInputs(stored, patch));
  const parsed = providers.parseInputs(type, merged, []) as Inputs;
  return { inputs: parsed, changed: !jsonEqual(parsed, stored) };
}
