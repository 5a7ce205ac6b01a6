import { z } from "zod";
import { canonicalJson } from "../../src/dynamic-secrets/patch.js";
import { defineProvider, type DynamicSecretProvider } from "../../src/dynamic-secrets/providers/provider.js";
import { BadRequestError } from "../../src/lib/errors.js";

// Fakes of third-party systems for the dynamic-secret suites (buildDsTestApp registers both).

export type ConnectionCall = { host: unknown; password: unknown };

/** "fake-sql": its connection test is recorded in `calls` and fails for host "down". */
export function createFakeSqlProvider(calls: ConnectionCall[]): DynamicSecretProvider {
  return defineProvider({
    type: "fake-sql",
    inputsSchema: z.object({
      host: z.string().trim().min(1),
      port: z.number().default(5432),
      username: z.string().min(1),
      password: z.string(),
      database: z.string().default("app"),
      ca: z.string().optional(),
      options: z.object({ ssl: z.boolean(), mode: z.string().optional() }).optional(),
      clientAuth: z.object({ clientId: z.string(), clientSecret: z.string() }).optional(),
    }),
    secretFields: ["clientAuth.clientSecret"],
    sensitiveFields: ["password", "clientAuth.clientSecret"],
    async validateConnection(inputs) {
      calls.push({ host: inputs.host, password: inputs.password });
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (inputs.host === "down") throw new BadRequestError("Failed to connect with provider: connect ECONNREFUSED");
    },
  });
}

/**
 * "fake-kv": any string/number keys; its connection test records the exact inputs it tested and
 * takes a little while, so concurrent requests interleave.
 */
export function createFakeKvProvider(tested: string[]): DynamicSecretProvider {
  return defineProvider({
    type: "fake-kv",
    inputsSchema: z.record(z.string(), z.union([z.string(), z.number()])),
    secretFields: [],
    async validateConnection(inputs) {
      tested.push(canonicalJson(inputs));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    },
  });
}
