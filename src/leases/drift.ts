import type { Trx } from "../db/database.js";
import { BadRequestError } from "../lib/errors.js";
import { jsonEqual } from "../dynamic-secrets/patch.js";
import { countLeases } from "./lease.repository.js";

// D30: revoke and renew use the secret's current inputs, so a PATCH may change credentials or
// statements, but not where the leases live while there are any (they could never be revoked).

export const TARGET_LOCKED = "Cannot change the target of a dynamic secret that has active leases; revoke them first";

function valueAt(inputs: unknown, dotted: string): unknown {
  let current = inputs;
  for (const key of dotted.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * For a PATCH whose inputs move the target (leaseTargetMoves): inside its transaction, the secret's
 * row locked (lease creation takes the same lock), refused while any lease lives there.
 */
export async function assertNoLeasesAtTarget(trx: Trx, dynamicSecretId: string): Promise<void> {
  if ((await countLeases(trx, dynamicSecretId)) > 0) throw new BadRequestError(TARGET_LOCKED);
}

/** Whether the inputs change differs in a field that says where the provider's leases live. */
export function leaseTargetMoves(provider: { targetFields?: readonly string[] }, before: unknown, after: unknown): boolean {
  return (provider.targetFields ?? []).some((field) => !jsonEqual(valueAt(before, field), valueAt(after, field)));
}
