import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig, parseKey32 } from "../../src/config.js";

const KEY = Buffer.alloc(32, 1).toString("base64");
const SECRET = "s".repeat(40);
const base = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test", ROOT_ENCRYPTION_KEY: KEY, AUTH_SECRET: SECRET };

describe("loadConfig", () => {
  test("defaults", () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      nodeEnv: "production",
      host: "127.0.0.1",
      port: 8080,
      database: { kind: "postgres", url: base.DATABASE_URL },
      rateLimit: { enabled: true, writePerMinute: 200, readPerMinute: 600 },
      allowInternalIp: false,
      providerConnectionTimeoutMs: 10_000,
      logLevel: "info",
    });
    expect(c.rootKey.equals(Buffer.alloc(32, 1))).toBe(true);
  });

  test("DB_CONNECTION_URI and ENCRYPTION_KEY aliases; 32-character key accepted as utf8", () => {
    const c = loadConfig({ DB_CONNECTION_URI: "postgres://x/y", ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef", AUTH_SECRET: SECRET });
    expect(c.database).toEqual({ kind: "postgres", url: "postgres://x/y" });
    expect(c.rootKey.toString("utf8")).toBe("0123456789abcdef0123456789abcdef");
  });

  test.each([
    [{ PORT: "70000" }, /^Invalid configuration: PORT /],
    [{ PORT: "abc" }, /^Invalid configuration: PORT /],
    [{ ROOT_ENCRYPTION_KEY: "c2hvcnQ=" }, /^Invalid configuration: ROOT_ENCRYPTION_KEY must be 32 bytes/],
    [{ AUTH_SECRET: "short" }, /^Invalid configuration: AUTH_SECRET must be at least 32 characters$/],
    [{ RATE_LIMIT_ENABLED: "maybe" }, /^Invalid configuration: RATE_LIMIT_ENABLED /],
    [{ LOG_LEVEL: "loud" }, /^Invalid configuration: LOG_LEVEL /],
    [{ NODE_ENV: "staging" }, /^Invalid configuration: NODE_ENV /],
    [{ TRUST_PROXY: "yes" }, /^Invalid configuration: TRUST_PROXY must be true, false, a hop count, or a comma-separated list/],
    [{ TRUST_PROXY: "10.0.0.0/33" }, /^Invalid configuration: TRUST_PROXY /],
    [{ TRUST_PROXY: "10.0.0.1,proxy.internal" }, /^Invalid configuration: TRUST_PROXY /],
    [{ REDIS_URL: "http://user:hunter2@cache:6379" }, /^Invalid configuration: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/],
  ])("malformed %o stops start-up with one line naming the variable", (override, message) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...override });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  test("with DATABASE_URL the root key and auth secret are required", () => {
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL, AUTH_SECRET: SECRET })).toThrow(
      "Missing configuration: ROOT_ENCRYPTION_KEY is required when DATABASE_URL is set",
    );
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL, ROOT_ENCRYPTION_KEY: KEY })).toThrow(
      "Missing configuration: AUTH_SECRET is required when DATABASE_URL is set",
    );
  });

  test("embedded default generates the root key and auth secret once into DATA_DIR (0600) and reuses them", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfg-"));
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.database).toEqual({ kind: "embedded", dataDir: dir });
    expect(first.notices.join("\n")).toContain("generated now");
    const file = path.join(dir, "secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadConfig({ DATA_DIR: dir });
    expect(second.rootKey.equals(first.rootKey)).toBe(true);
    expect(second.authSecret).toBe(first.authSecret);
    expect(second.notices.join("\n")).not.toContain("generated now");
    expect(JSON.parse(readFileSync(file, "utf8")).rootEncryptionKey).toBe(first.rootKey.toString("base64"));
  });

  test.each([
    [undefined, false],
    ["false", false],
    ["0", false],
    ["true", true],
    ["2", 2],
    ["127.0.0.1", ["127.0.0.1"]],
    ["10.0.0.0/8, ::1, fd00::/8,loopback", ["10.0.0.0/8", "::1", "fd00::/8", "loopback"]],
  ])("D37 TRUST_PROXY=%s → %o", (value, expected) => {
    expect(loadConfig({ ...base, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test("D38 REDIS_URL is optional and kept as given", () => {
    expect(loadConfig(base).redisUrl).toBeUndefined();
    expect(loadConfig({ ...base, REDIS_URL: "redis://:pw@127.0.0.1:6379/2" }).redisUrl).toBe("redis://:pw@127.0.0.1:6379/2");
  });

  test("D19 switches: either variable allows internal targets", () => {
    expect(loadConfig({ ...base, DYNAMIC_SECRET_ALLOW_INTERNAL_IP: "true" }).allowInternalIp).toBe(true);
    expect(loadConfig({ ...base, ALLOW_INTERNAL_IP_CONNECTIONS: "true" }).allowInternalIp).toBe(true);
  });
});

test("parseKey32 rejects keys that are not 32 bytes", () => {
  expect(parseKey32(Buffer.alloc(16).toString("base64"))).toBeUndefined();
  expect(parseKey32(Buffer.alloc(32, 9).toString("base64"))?.length).toBe(32);
});
