import type { z } from "zod";
import type { ProviderContext } from "../transport/context.js";

export type { ProviderContext };

// The provider contract. One file per provider (named by its wire type) exports one
// defineProvider({...}); registry.ts derives the create-body union, the lookup and the
// redaction rules from the list in index.ts.

export type DynamicSecretProvider<S extends z.ZodType = z.ZodType> = {
  /** Wire type, e.g. "sql-database"; also the file name. */
  type: string;
  /** Validates the (merged) inputs; its output is what gets stored. Unknown keys are stripped. */
  inputsSchema: S;
  /**
   * Dotted paths removed from GET responses and put back when a PATCH omits them.
   * Infisical declares them only for `ssh` and `oauth2`; every other provider has an empty list.
   */
  secretFields: readonly string[];
  /**
   * Dotted paths of credential values (passwords, keys, tokens): never logged, never in an error
   * message. A superset of `secretFields`.
   */
  sensitiveFields?: readonly string[];
  /**
   * Checks that need no network and answer 400 rather than 422 (statement templates).
   * Called by the registry's parseInputs after the schema succeeded.
   */
  checkInputs?(inputs: z.output<S>): void;
  /**
   * Host (SSRF) checks + the connection test. Throws BadRequestError with the spec's messages
   * (normally `Failed to connect with provider: …`, credentials redacted). Never call it inside a
   * database transaction.
   */
  validateConnection(inputs: z.output<S>, ctx: ProviderContext): Promise<void>;
  /**
   * D30: dotted paths of the inputs that say where the leases live (host, port, database, …). A
   * PATCH may not change them while the secret has leases.
   */
  targetFields?: readonly string[];
  /**
   * Leases. A provider without `create` answers lease creation with D35's 400.
   * `entityId` is fixed before `create` runs (D25: it is committed first): the rendered username,
   * or a random id when `leaseEntityId` is "random" (TOTP). Errors are BadRequestErrors with the
   * credentials redacted; `create` leaves nothing behind when it fails part-way (D33).
   */
  leaseEntityId?: "username" | "random";
  create?(req: LeaseCreateRequest<z.output<S>>): Promise<LeaseCreateResult>;
  revoke?(req: LeaseRevokeRequest<z.output<S>>): Promise<void>;
  /** Absent: renewing only moves expireAt (D28; the README lists which providers extend). */
  renew?(req: LeaseRenewRequest<z.output<S>>): Promise<void>;
};

export type LeaseCreateRequest<I> = {
  inputs: I;
  /** The externalEntityId: the username to create (or a random id). */
  entityId: string;
  expireAt: Date;
  config: unknown;
  ctx: ProviderContext;
};
/** `data`: the credentials, returned once to the caller and never stored (D34). */
export type LeaseCreateResult = { data: Record<string, unknown> };
export type LeaseRevokeRequest<I> = { inputs: I; entityId: string; config: unknown; ctx: ProviderContext };
export type LeaseRenewRequest<I> = { inputs: I; entityId: string; expireAt: Date; ctx: ProviderContext };

export function defineProvider<S extends z.ZodType>(p: DynamicSecretProvider<S>): DynamicSecretProvider<S> {
  return p;
}
