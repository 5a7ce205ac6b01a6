import { describe, expect, test } from "vitest";
import { z } from "zod";
import { builtinProviders, createBuiltinProviderRegistry, createProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";
import { defineProvider } from "../../../src/dynamic-secrets/providers/provider.js";

const registry = createBuiltinProviderRegistry();

const OAUTH2 = {
  grantType: "client-credentials",
  tokenUrl: "https://auth.example.com/token",
  revocationUrl: "https://auth.example.com/revoke",
  clientId: "client",
  clientAuth: { method: "client-secret-basic", clientSecret: "very-secret" },
};
const SQL = {
  client: "postgres",
  host: "localhost",
  port: 5432,
  database: "app",
  username: "admin",
  password: "pw",
  creationStatement: "",
  revocationStatement: "",
};

describe("provider registry", () => {
  test("lists every Infisical provider type once (providers.md §1)", () => {
    expect([...registry.types].sort()).toEqual(
      [
        "sql-database", "clickhouse", "cassandra", "aws-iam", "redis", "aws-elasticache", "aws-memorydb",
        "mongo-db-atlas", "elastic-search", "mongo-db", "rabbit-mq", "azure-entra-id", "azure-sql-database",
        "ldap", "sap-hana", "snowflake", "totp", "sap-ase", "kubernetes", "vertica", "gcp-iam", "github",
        "couchbase", "milvus", "ssh", "ibm-api-connect", "tailscale", "kafka", "oauth2",
      ].sort(),
    );
    expect(registry.get("nope")).toBeUndefined();
  });

  test("secret fields are declared for ssh and oauth2 only (§2.Z)", () => {
    const declared = Object.fromEntries(builtinProviders.filter((p) => p.secretFields.length).map((p) => [p.type, p.secretFields]));
    expect(declared).toEqual({ ssh: ["caPrivateKey"], oauth2: ["clientAuth.clientSecret"] });
  });

  test("rejects a duplicate type", () => {
    const p = defineProvider({ type: "x", inputsSchema: z.object({}), secretFields: [], validateConnection: async () => {} });
    expect(() => createProviderRegistry([p, p])).toThrow("Duplicate dynamic secret provider type: x");
  });

  test("an unknown stored type is a server fault, not a client error", () => {
    expect(() => registry.parseInputs("nope", {}, [])).toThrow("Unknown dynamic secret provider type: nope");
  });

  test("providerSchema is the create body's discriminated union", () => {
    expect(registry.providerSchema.safeParse({ type: "sql-database", inputs: SQL }).success).toBe(true);
    const unknown = registry.providerSchema.safeParse({ type: "nope", inputs: {} });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(["type"]);
  });
});

describe("redact (GET)", () => {
  test("withholds the nested OAuth2 client secret and keeps its siblings", () => {
    const redacted = registry.redact("oauth2", OAUTH2);
    expect(redacted).toEqual({ ...OAUTH2, clientAuth: { method: "client-secret-basic" } });
    expect(OAUTH2.clientAuth.clientSecret).toBe("very-secret"); // input not mutated
  });

  test("withholds the SSH CA private key and keeps the rest", () => {
    const ssh = registry.parseInputs("ssh", { principals: ["ubuntu"] }, []) as Record<string, unknown>;
    const redacted = registry.redact("ssh", ssh) as Record<string, unknown>;
    expect(redacted).not.toHaveProperty("caPrivateKey");
    expect(redacted.caPublicKey).toBe(ssh.caPublicKey);
    expect(redacted.principals).toEqual(["ubuntu"]);
  });

  test("returns SQL inputs untouched, password included (Infisical parity)", () => {
    expect(registry.redact("sql-database", SQL)).toBe(SQL);
  });

  test.each([null, undefined, "text", 5])("tolerates a non-object (%s)", (value) => {
    expect(registry.redact("oauth2", value)).toBe(value);
  });
});

describe("restoreOmittedSecretFields (PATCH)", () => {
  test("puts back an omitted nested secret when the patch replaces its parent", () => {
    const patchInputs = { clientAuth: { method: "client-secret-post" } };
    const merged = { ...OAUTH2, ...patchInputs };
    expect(registry.restoreOmittedSecretFields("oauth2", OAUTH2, merged)).toEqual({
      ...OAUTH2,
      clientAuth: { method: "client-secret-post", clientSecret: "very-secret" },
    });
    expect(merged.clientAuth).toEqual({ method: "client-secret-post" }); // merged not mutated
  });

  test("keeps a supplied secret", () => {
    const patchInputs = { clientAuth: { method: "client-secret-basic", clientSecret: "new" } };
    const merged = { ...OAUTH2, ...patchInputs };
    expect(registry.restoreOmittedSecretFields("oauth2", OAUTH2, merged)).toEqual(merged);
  });

  test("restores nothing when the parent object is missing", () => {
    const merged = { ...OAUTH2, clientAuth: undefined };
    expect(registry.restoreOmittedSecretFields("oauth2", OAUTH2, merged)).toBe(merged);
  });

  test("leaves providers without secret fields untouched (same object)", () => {
    const merged = { ...SQL, password: undefined };
    expect(registry.restoreOmittedSecretFields("sql-database", SQL, merged)).toBe(merged);
  });

  test("SSH: a restored CA is reused while the algorithm is unchanged, regenerated when it changes", () => {
    const stored = registry.parseInputs("ssh", { principals: ["ubuntu"] }, []) as Record<string, unknown>;
    const patchInputs = { principals: ["root"] };
    const redactedStored = registry.redact("ssh", stored) as Record<string, unknown>;
    const merged = registry.restoreOmittedSecretFields("ssh", stored, { ...redactedStored, ...patchInputs });
    const same = registry.parseInputs("ssh", merged, []) as Record<string, unknown>;
    expect(same.caPrivateKey).toBe(stored.caPrivateKey);
    expect(same.caPublicKey).toBe(stored.caPublicKey);
    expect(same.principals).toEqual(["root"]);

    const changed = registry.parseInputs("ssh", { ...(merged as object), caKeyAlgorithm: "EC_prime256v1" }, []) as Record<string, unknown>;
    expect(changed.caPrivateKey).not.toBe(stored.caPrivateKey);
    expect(changed.caPublicKey).toMatch(/^ecdsa-sha2-nistp256 /);
  });
});

describe("providerContextFrom", () => {
  test("our database host is the forbidden target; the embedded database has none", async () => {
    const { providerContextFrom } = await import("../../../src/dynamic-secrets/providers/index.js");
    const base = { nodeEnv: "production" as const, allowInternalIp: true, providerConnectionTimeoutMs: 10_000 };
    expect(providerContextFrom({ ...base, dbHost: "db.internal" })).toEqual({
      nodeEnv: "production",
      allowInternalIp: true,
      forbiddenHosts: ["db.internal"],
      connectionTimeoutMs: 10_000,
    });
    expect(providerContextFrom(base).forbiddenHosts).toEqual([]);
  });
});
