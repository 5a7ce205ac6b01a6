import { describe, expect, test } from "vitest";
import { BadRequestError, ValidationError } from "../../../src/lib/errors.js";
import { createBuiltinProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";

// providers.md §6: the cases decided by the schema and the static checks, run on the merged
// inputs exactly as the PATCH service does (stored inputs, shallow merge, parse). Connection and
// gateway cases live in test/integration/providers and the service's tests.

const registry = createBuiltinProviderRegistry();

const P = {
  client: "postgres",
  host: "localhost",
  port: 5432,
  database: "app",
  username: "admin",
  password: "pw",
  creationStatement: `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  revocationStatement: `DROP ROLE IF EXISTS "{{username}}";`,
  sslRejectUnauthorized: true,
  hostIp: "localhost",
};
const R = {
  host: "localhost",
  port: 6379,
  username: "default",
  password: "redispw",
  creationStatement: "ACL SETUSER {{username}} on >{{password}} ~* +@all",
  revocationStatement: "ACL DELUSER {{username}}",
};
const Q = {
  host: "http://localhost",
  port: 15672,
  tags: [],
  username: "guest",
  password: "guest",
  virtualHost: { name: "/", permissions: { read: ".*", write: ".*", configure: ".*" } },
};
const T = { configType: "url", url: "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme" };
const TM = { configType: "manual", secret: "JBSWY3DPEHPK3PXP", period: 30, algorithm: "sha1", digits: 6 };
const A = { method: "access-key", credentialType: "iam-user", accessKey: "AKIAEXAMPLE", secretAccessKey: "s3cr3t", region: "us-east-1" };
const MONGO = { host: "localhost", port: 27017, username: "root", password: "pw", database: "admin", roles: ["readWrite"] };
const ES = { host: "http://localhost", port: 9200, roles: ["superuser"], auth: { type: "user", username: "elastic", password: "pw" } };
const LDAP = {
  url: "ldap://localhost:389",
  binddn: "cn=admin,dc=example,dc=org",
  bindpass: "admin",
  creationLdif: "dn: cn={{Username}},dc=example,dc=org\nchangetype: add",
  revocationLdif: "dn: cn={{Username}},dc=example,dc=org\nchangetype: delete",
};

/** What the service does with a PATCH's `data.inputs`: shallow merge over the stored inputs, then parse. */
function patch(type: string, stored: object, inputs: unknown): unknown {
  const merged = { ...stored, ...(inputs as object) };
  return registry.parseInputs(type, merged, []);
}

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

type IssueCase = [no: number, type: string, stored: object, inputs: unknown, path: (string | number)[], message?: string];

const issueCases: IssueCase[] = [
  [4, "sql-database", P, { port: "5432" }, ["port"]],
  [5, "sql-database", P, { client: "sqlite" }, ["client"]],
  [9, "sql-database", P, { ca: null }, ["ca"]],
  [16, "sql-database", P, { passwordRequirements: { length: 10, required: { lowercase: 5, uppercase: 5, digits: 1, symbols: 0 } } }, ["passwordRequirements"], "Sum of required characters cannot exceed the total length"],
  [17, "sql-database", P, { passwordRequirements: { length: 251, required: { lowercase: 0, uppercase: 0, digits: 0, symbols: 0 } } }, ["passwordRequirements", "length"]],
  [18, "sql-database", { ...P, passwordRequirements: { length: 20, required: { lowercase: 1, uppercase: 1, digits: 1, symbols: 0 } } }, { passwordRequirements: { length: 30 } }, ["passwordRequirements", "required"]],
  [27, "redis", R, { password: null }, ["password"]],
  [30, "rabbit-mq", Q, { virtualHost: { name: "/" } }, ["virtualHost", "permissions"]],
  [32, "rabbit-mq", Q, { username: "   " }, ["username"]],
  [36, "totp", T, { url: "otpauth://totp/Acme:alice?issuer=Acme" }, ["url"], "OTP URL must contain secret field"],
  [37, "totp", T, { url: "not a url" }, ["url"]],
  [39, "totp", T, { configType: "hotp" }, ["configType"]],
  [40, "totp", TM, { configType: "url" }, ["url"]],
  [41, "totp", TM, { algorithm: "md5" }, ["algorithm"]],
  [43, "totp", TM, { secret: "   " }, ["secret"]],
  [44, "aws-iam", A, { method: "assume-role" }, ["roleArn"]],
  [46, "aws-iam", A, { credentialType: "session" }, ["credentialType"]],
  [49, "aws-iam", A, { tags: [{ key: "", value: "v" }] }, ["tags", 0, "key"]],
  [50, "mongo-db", MONGO, { roles: [] }, ["roles"]],
  [52, "elastic-search", ES, { auth: { type: "api-key", apiKey: "k" } }, ["auth", "apiKeyId"]],
  [53, "ldap", LDAP, { credentialType: "static" }, []],
];

describe("providers.md §6 — 422 cases", () => {
  test.each(issueCases)("case %i: %s %j → 422 at %j", (_no, type, stored, inputs, path, message) => {
    const err = failure(() => patch(type, stored, inputs));
    expect(err).toBeInstanceOf(ValidationError);
    const issues = (err as ValidationError).issues as { path: unknown[]; message: string }[];
    expect(issues.map((i) => i.path)).toContainEqual(path);
    if (message) expect(issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path))?.message).toBe(message);
  });

  test("case 53: the ldap union failure is one invalid_union issue", () => {
    const err = failure(() => patch("ldap", LDAP, { credentialType: "static" })) as ValidationError;
    expect(err.issues).toEqual([expect.objectContaining({ code: "invalid_union", path: [] })]);
  });

  test("case 55: stored inputs missing a required field fail today's schema", () => {
    const { revocationStatement: _r, ...legacy } = P;
    expect(failure(() => registry.parseInputs("sql-database", legacy, []))).toBeInstanceOf(ValidationError);
  });
});

type TemplateCase = [no: number, type: string, stored: object, inputs: object, message: string];
const templateCases: TemplateCase[] = [
  [10, "sql-database", P, { revocationStatement: `DROP ROLE "{{username}}"; -- {{password}}` }, "Template sanitization failed: SQL revoke"],
  [11, "sql-database", P, { creationStatement: "{{#if username}}x{{/if}}" }, "Template sanitization failed: SQL creation"],
  [12, "sql-database", P, { renewStatement: `ALTER ROLE "{{username}}" VALID UNTIL '{{expiration}}' {{password}}` }, "Template sanitization failed: SQL renew"],
  // Infisical answers 500 for an unparsable template; we answer the sanitization 400.
  [14, "sql-database", P, { creationStatement: "CREATE ROLE {{username" }, "Template sanitization failed: SQL creation"],
  [26, "redis", R, { revocationStatement: "ACL DELUSER {{username}} {{expiration}}" }, "Template sanitization failed: Redis revoke"],
];

describe("providers.md §6 — 400 template cases", () => {
  test.each(templateCases)("case %i: %s %j → 400 %s", (_no, type, stored, inputs, message) => {
    const err = failure(() => patch(type, stored, inputs));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toBe(message);
  });
});

describe("providers.md §6 — accepted patches and what gets stored", () => {
  test("case 6: host is trimmed and lower-cased; hostIp follows it", () => {
    expect(patch("sql-database", P, { host: "  LOCALHOST  " })).toMatchObject({ host: "localhost", hostIp: "localhost" });
  });

  test("case 7: the password is trimmed", () => {
    expect(patch("sql-database", P, { password: "  pw  " })).toMatchObject({ password: "pw" });
  });

  test("case 8: unknown keys are dropped and hostIp is recomputed", () => {
    const parsed = patch("sql-database", P, { unknownKey: 1, hostIp: "10.9.9.9" }) as Record<string, unknown>;
    expect(parsed).not.toHaveProperty("unknownKey");
    expect(parsed.hostIp).toBe("localhost");
  });

  test.each([
    [13, { creationStatement: `CREATE ROLE "{{username}}{{random 4}}" PASSWORD '{{password}}'` }],
    [15, { creationStatement: "" }],
    [21, { gatewayId: null }],
    [22, { client: "mysql2", port: 3306, username: "root" }],
    [24, { client: "vertica" }],
  ])("case %i: %j passes the schema and the template checks", (_no, inputs) => {
    expect(() => patch("sql-database", P, inputs)).not.toThrow();
  });

  test("case 21: gatewayId null is stored", () => {
    expect(patch("sql-database", P, { gatewayId: null })).toMatchObject({ gatewayId: null });
  });

  test("case 29: gateway keys are stripped from redis inputs", () => {
    expect(patch("redis", R, { gatewayId: "x" })).not.toHaveProperty("gatewayId");
  });

  test("case 33: rabbit-mq tags are stored", () => {
    expect(patch("rabbit-mq", Q, { tags: ["monitoring"] })).toMatchObject({ tags: ["monitoring"] });
  });

  test("case 34: a legacy rabbit-mq row without tags gets the default", () => {
    const { tags: _t, ...legacy } = Q;
    expect(patch("rabbit-mq", legacy, {})).toMatchObject({ tags: [] });
  });

  test("case 38: switching totp to manual strips the url and the secret's whitespace", () => {
    expect(patch("totp", T, { configType: "manual", secret: "JBSW Y3DP EHPK 3PXP" })).toEqual({
      configType: "manual",
      secret: "JBSWY3DPEHPK3PXP",
    });
  });

  test("case 42: totp period and digits have no bounds", () => {
    expect(patch("totp", TM, { period: -5, digits: 0 })).toMatchObject({ period: -5, digits: 0 });
  });

  test("case 45: switching aws-iam to assume-role strips the access keys", () => {
    const parsed = patch("aws-iam", A, { method: "assume-role", roleArn: "arn:aws:iam::123:role/x" });
    expect(parsed).toEqual({ method: "assume-role", roleArn: "arn:aws:iam::123:role/x", credentialType: "iam-user", region: "us-east-1" });
  });

  test("case 48: a legacy aws-iam row without method gets access-key and iam-user", () => {
    const { method: _m, credentialType: _c, ...legacy } = A;
    expect(patch("aws-iam", legacy, {})).toMatchObject({ method: "access-key", credentialType: "iam-user" });
  });

  test("case 51: mongo-db port null is SRV mode and passes the schema", () => {
    expect(patch("mongo-db", MONGO, { port: null })).toMatchObject({ port: null });
  });

  test("case 54: ldap dynamic → static drops the creation/revocation LDIFs", () => {
    const rotationLdif = "dn: cn=svc,dc=example,dc=org\nchangetype: modify\nreplace: userPassword\nuserPassword: {{Password}}\n-";
    const parsed = patch("ldap", LDAP, { credentialType: "static", rotationLdif }) as Record<string, unknown>;
    expect(parsed).toMatchObject({ credentialType: "static", rotationLdif });
    expect(parsed).not.toHaveProperty("creationLdif");
    expect(parsed).not.toHaveProperty("revocationLdif");
  });

  test("case 56: a JSON string as data.inputs changes nothing", () => {
    expect(patch("sql-database", P, "abc")).toEqual(P);
  });

  test("case 57: a legacy projectGatewayId key is dropped", () => {
    expect(patch("sql-database", { ...P, projectGatewayId: "pg-1" }, {})).not.toHaveProperty("projectGatewayId");
  });
});
