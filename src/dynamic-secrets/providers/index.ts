import type { DynamicSecretProvider } from "./provider.js";
import { createProviderRegistry } from "./registry.js";
import { totpProvider } from "./totp.js";

export type { DynamicSecretProvider, ProviderContext } from "./provider.js";
export { providerContextFrom } from "./provider.js";
export { createProviderRegistry, type ProviderRegistry } from "./registry.js";

/** Every built-in provider. A new provider is one file plus one line here. */
export const builtinProviders = [
  totpProvider,
] as const satisfies readonly DynamicSecretProvider[];

export function createBuiltinProviderRegistry() {
  return createProviderRegistry(builtinProviders);
}
