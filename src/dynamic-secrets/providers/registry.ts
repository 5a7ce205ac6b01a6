import { z } from "zod";
import { ValidationError } from "../../lib/errors.js";
import { isPlainObject } from "../../lib/objects.js";
import type { DynamicSecretProvider } from "./provider.js";

type Path = (string | number)[];

function getAt(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Copy of `value` with the object at `parents` cloned along the way, so the caller may mutate it. */
function cloneAlong(value: Record<string, unknown>, parents: string[]): Record<string, unknown> | undefined {
  const root: Record<string, unknown> = { ...value };
  let current = root;
  for (const key of parents) {
    const next = current[key];
    if (!isPlainObject(next)) return undefined;
    current[key] = { ...next };
    current = current[key] as Record<string, unknown>;
  }
  return root;
}

export function createProviderRegistry(list: readonly DynamicSecretProvider[]) {
  const byType = new Map<string, DynamicSecretProvider>();
  for (const provider of list) {
    if (byType.has(provider.type)) throw new Error(`Duplicate dynamic secret provider type: ${provider.type}`);
    byType.set(provider.type, provider);
  }
  const types = Object.freeze([...byType.keys()]);

  const branches = list.map((p) => z.object({ type: z.literal(p.type), inputs: p.inputsSchema }));
  const providerSchema: z.ZodType = z.discriminatedUnion(
    "type",
    branches as unknown as [(typeof branches)[number], ...(typeof branches)[number][]],
  );

  function providerFor(type: string): DynamicSecretProvider {
    const provider = byType.get(type);
    // A stored row with an unknown type is a server fault (500), not a client error.
    if (!provider) throw new Error(`Unknown dynamic secret provider type: ${type}`);
    return provider;
  }

  return {
    get: (type: string) => byType.get(type),
    /** The provider of a stored secret's type; an unknown one is a server fault (500). */
    providerFor,
    types,
    providerSchema,

    /**
     * Parses merged inputs with the provider's schema (422 with issue paths prefixed by
     * `pathPrefix`), then runs its static checks (statement templates → 400).
     */
    parseInputs(type: string, inputs: unknown, pathPrefix: Path): unknown {
      const provider = providerFor(type);
      const result = provider.inputsSchema.safeParse(inputs);
      if (!result.success) {
        throw new ValidationError(
          result.error.issues.map((issue) => ({ ...issue, path: [...pathPrefix, ...issue.path] })),
        );
      }
      provider.checkInputs?.(result.data);
      return result.data;
    },

    /** Copy of inputs without the provider's secret fields (the key is removed, not masked). */
    redact(type: string, inputs: unknown): unknown {
      const provider = providerFor(type);
      if (!isPlainObject(inputs) || provider.secretFields.length === 0) return inputs;
      let out: Record<string, unknown> = inputs;
      for (const dotted of provider.secretFields) {
        const path = dotted.split(".");
        const last = path.pop()!;
        if (getAt(out, [...path, last]) === undefined) continue;
        const copy = cloneAlong(out, path);
        if (!copy) continue;
        const parent = (path.length ? getAt(copy, path) : copy) as Record<string, unknown>;
        delete parent[last];
        out = copy;
      }
      return out;
    },

    /**
     * After the shallow merge, puts back each declared secret the merged object lacks, provided
     * the stored inputs have it and its parent object exists in the merged inputs.
     * A value the caller supplied always wins.
     */
    restoreOmittedSecretFields(type: string, stored: unknown, merged: unknown): unknown {
      const provider = providerFor(type);
      if (!isPlainObject(merged) || !isPlainObject(stored) || provider.secretFields.length === 0) return merged;
      let out: Record<string, unknown> = merged;
      for (const dotted of provider.secretFields) {
        const path = dotted.split(".");
        const last = path.pop()!;
        const storedValue = getAt(stored, [...path, last]);
        if (storedValue === undefined || getAt(out, [...path, last]) !== undefined) continue;
        const copy = cloneAlong(out, path);
        if (!copy) continue;
        const parent = (path.length ? getAt(copy, path) : copy) as Record<string, unknown>;
        parent[last] = storedValue;
        out = copy;
      }
      return out;
    },
  };
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
