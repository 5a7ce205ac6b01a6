import type { z } from "zod";

// The provider contract. One file per provider (named by its wire type) exports one
// defineProvider({...}); registry.ts derives the create-body union, the lookup and the
// redaction rules from the list in index.ts.

export type ProviderContext = {
  /** D19: host (SSRF) checks are skipped only in development/test. */
  nodeEnv: "production" | "development" | "test";
  /** D19: DYNAMIC_SECRET_ALLOW_INTERNAL_IP / ALLOW_INTERNAL_IP_CONNECTIONS. */
  allowInternalIp: boolean;
  /** Our own database host(s): never a target, even with allowInternalIp (spec §3.1 step 8). */
  forbiddenHosts: string[];
  /** Upper bound for one connection test (config.providerConnectionTimeoutMs, default 10 s). */
  connectionTimeoutMs: number;
};

export type DynamicSecretProvider<S extends z.ZodType = z.ZodType> = {
  /** Wire type, e.g. "sql-database"; also the file name. */
  type: string;
  /** Validates the (merged) inputs; its output is what gets stored. Unknown keys are stripped. */
  inputsSchema: S;
  /**
   * Dotted paths removed from GET responses and put back when a PATCH omits them (spec §2.Z).
   * Infisical declares them only for `ssh` and `oauth2`; every other provider has an empty list.
   */
  secretFields: readonly string[];
  /**
   * Dotted paths of credential values (passwords, keys, tokens): never logged, never in an error
   * message. A superset of `secretFields`.
   */
  sensitiveFields?: readonly string[];
  /**
   * Checks that need no network and answer 400 rather than 422 (statement templates, spec §2.Y).
   * Called by the registry's parseInputs after the schema succeeded.
   */
  checkInputs?(inputs: z.output<S>): void;
  /**
   * Host (SSRF) checks + the connection test. Throws BadRequestError with the spec's messages
   * (normally `Failed to connect with provider: …`, credentials redacted). Never call it inside a
   * database transaction.
   */
  validateConnection(inputs: z.output<S>, ctx: ProviderContext): Promise<void>;
};

export function defineProvider<S extends z.ZodType>(p: DynamicSecretProvider<S>): DynamicSecretProvider<S> {
  return p;
}

/** The context the service passes to validateConnection, built from the app config. */
export function providerContextFrom(config: {
  nodeEnv: ProviderContext["nodeEnv"];
  allowInternalIp: boolean;
  providerConnectionTimeoutMs: number;
  /** Host of our own database (container.dbHost); absent for the embedded database. */
  dbHost?: string;
}): ProviderContext {
  return {
    nodeEnv: config.nodeEnv,
    allowInternalIp: config.allowInternalIp,
    forbiddenHosts: config.dbHost ? [config.dbHost] : [],
    connectionTimeoutMs: config.providerConnectionTimeoutMs,
  };
}
