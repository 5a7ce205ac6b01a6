// What a provider's network work runs under: the host (SSRF) policy and the connection timeout.

export type ProviderContext = {
  /** D19: host (SSRF) checks are skipped only in development/test. */
  nodeEnv: "production" | "development" | "test";
  /** D19: DYNAMIC_SECRET_ALLOW_INTERNAL_IP / ALLOW_INTERNAL_IP_CONNECTIONS. */
  allowInternalIp: boolean;
  /** Our own database host(s): never a target, even with allowInternalIp. */
  forbiddenHosts: string[];
  /** Upper bound for one connection test (config.providerConnectionTimeoutMs, default 10 s). */
  connectionTimeoutMs: number;
};

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
