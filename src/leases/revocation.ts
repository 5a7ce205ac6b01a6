import type { ProjectCipher } from "../kms/kms.service.js";
import type { DynamicSecret } from "../dynamic-secrets/dynamic-secret.types.js";
import type { ProviderContext, ProviderRegistry } from "../dynamic-secrets/providers/index.js";
import { errorMessage, redactWords } from "../dynamic-secrets/transport/connection-error.js";
import type { LeaseMetrics } from "./lease-metrics.js";
import type { Lease } from "./lease.types.js";

// Talking to the target about one lease: decrypt the secret's current inputs (D30: revoke and
// renew use them) and call the provider. Inputs are decrypted before any transaction opens (the KMS
// reads through the pool, and the embedded database has a single connection); the provider call
// runs while the caller holds the lease's row lock, so each credential is revoked by one caller at
// a time. The state machine (lease.state.ts) decides what happens next.

export type RevocationDeps = {
  providers: ProviderRegistry;
  providerContext: ProviderContext;
  kms: { forProject(projectId: string): Promise<ProjectCipher> };
  /** Every revocation goes through `revoke` below, so it is counted here once, whoever asked. */
  metrics?: Pick<LeaseMetrics, "revocation">;
};

export type RevokeOutcome = { ok: true } | { ok: false; message: string };

export const REVOKE_FAILED_PREFIX = "Failed to revoke lease from provider: ";

export function createTargetClient(deps: RevocationDeps) {
  /** Call before opening a transaction. */
  async function inputsOf(secret: DynamicSecret, projectId: string): Promise<unknown> {
    const cipher = await deps.kms.forProject(projectId);
    return cipher.decryptJson(secret.encryptedInput);
  }

  /** Never throws: a failure is an outcome, with a message fit for statusDetails (credentials redacted). */
  async function revoke(secret: DynamicSecret, inputs: unknown, lease: Lease): Promise<RevokeOutcome> {
    const outcome = await revokeInTarget(secret, inputs, lease);
    deps.metrics?.revocation(secret.type, outcome.ok);
    return outcome;
  }

  async function revokeInTarget(secret: DynamicSecret, inputs: unknown, lease: Lease): Promise<RevokeOutcome> {
    try {
      const provider = deps.providers.providerFor(secret.type);
      // A provider without leases never created anything (D35): nothing to revoke.
      if (!provider.revoke) return { ok: true };
      await provider.revoke({
        inputs,
        entityId: lease.externalEntityId,
        config: lease.config,
        ctx: deps.providerContext,
      });
      return { ok: true };
    } catch (err) {
      const message = errorMessage(err);
      return {
        ok: false,
        message: message.startsWith(REVOKE_FAILED_PREFIX) ? message : `${REVOKE_FAILED_PREFIX}${redactWords(message, [lease.externalEntityId])}`,
      };
    }
  }

  return { inputsOf, providerOf: deps.providers.providerFor, revoke, context: deps.providerContext };
}

export type TargetClient = ReturnType<typeof createTargetClient>;
