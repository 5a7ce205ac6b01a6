import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

// The only module that reads environment variables (main.ts passes process.env in).

const booleanFlag = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

/**
 * A 32-byte key: base64 of 32 bytes, or (as Infisical's ENCRYPTION_KEY) a 32-character string
 * whose UTF-8 bytes are the key.
 */
export function parseKey32(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    const decoded = Buffer.from(trimmed, "base64");
    if (decoded.length === 32) return decoded;
  }
  const utf8 = Buffer.from(trimmed, "utf8");
  return trimmed.length === 32 && utf8.length === 32 ? utf8 : undefined;
}

const key32 = z.string().transform((value, ctx) => {
  const key = parseKey32(value);
  if (!key) {
    ctx.addIssue({ code: "custom", message: "must be 32 bytes as base64, or a 32-character hex/utf8 string" });
    return z.NEVER;
  }
  return key;
});

/** proxy-addr's names for address ranges, accepted in a TRUST_PROXY list as Fastify accepts them. */
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** D37: Fastify's `trustProxy`: false (the socket address), true, a hop count, or proxy addresses/CIDRs. */
const trustProxy = z.string().transform((value, ctx): boolean | number | string[] => {
  const v = value.trim();
  if (v === "false" || v === "0") return false;
  if (v === "true") return true;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v.split(",").map((e) => e.trim());
  if (entries.every(isProxyAddress)) return entries;
  ctx.addIssue({
    code: "custom",
    message: "must be true, false, a hop count, or a comma-separated list of proxy addresses/CIDRs",
  });
  return z.NEVER;
});

const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\//.test(v) && URL.canParse(v), "must be a redis:// or rediss:// URL");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["production", "development", "test"]).default("production"),
  DATABASE_URL: z.string().min(1).optional(),
  DB_CONNECTION_URI: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ROOT_ENCRYPTION_KEY: key32.optional(),
  ENCRYPTION_KEY: key32.optional(),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  RATE_LIMIT_ENABLED: booleanFlag.default(true),
  RATE_LIMIT_WRITE_PER_MINUTE: z.coerce.number().int().positive().default(200),
  RATE_LIMIT_READ_PER_MINUTE: z.coerce.number().int().positive().default(600),
  DYNAMIC_SECRET_ALLOW_INTERNAL_IP: booleanFlag.optional(),
  ALLOW_INTERNAL_IP_CONNECTIONS: booleanFlag.optional(),
  PROVIDER_CONNECTION_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  AUDIT_LOG_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  METRICS_ENABLED: booleanFlag.default(true),
  TRUST_PROXY: trustProxy.default(false),
  REDIS_URL: redisUrl.optional(),
});

export type Config = Readonly<{
  nodeEnv: "production" | "development" | "test";
  database: { kind: "postgres"; url: string } | { kind: "embedded"; dataDir: string };
  host: string;
  port: number;
  rootKey: Buffer;
  /** Fingerprint of the root key; stored beside each wrapped data key. */
  rootKeyId: string;
  /** The embedded secrets file the root key came from, when it was not given in the environment. */
  rootKeyFile?: string;
  authSecret: string;
  rateLimit: { enabled: boolean; writePerMinute: number; readPerMinute: number };
  /** D37: which proxies may name the client (Fastify's trustProxy); false = the socket address. */
  trustProxy: boolean | number | readonly string[];
  /** D38: rate-limit counters shared by all replicas; unset → per process. */
  redisUrl?: string;
  /** D19: loopback/private provider targets are allowed (never our own database host). */
  allowInternalIp: boolean;
  providerConnectionTimeoutMs: number;
  auditLogRetentionDays: number;
  logLevel: string;
  /** D40: GET /metrics. */
  metricsEnabled: boolean;
  /** Lines main.ts logs once the logger exists (e.g. "generated a root key"). */
  notices: readonly string[];
}>;

/** One clear line naming the variable, for start-up failures. */
export class ConfigError extends Error {}

export function rootKeyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/** Only where the database is: for tools (migrations) that need no keys. */
export function loadDatabaseConfig(env: Record<string, string | undefined>): Config["database"] {
  const url = env.DATABASE_URL || env.DB_CONNECTION_URI;
  return url ? { kind: "postgres", url } : { kind: "embedded", dataDir: path.resolve(env.DATA_DIR || "./data") };
}

/**
 * Parses the environment. On the embedded database a missing root key or auth secret is generated
 * once into DATA_DIR/secrets.json (mode 0600) and reused; with DATABASE_URL both are required.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const e = parsed.data;
  const url = e.DATABASE_URL ?? e.DB_CONNECTION_URI;
  const notices: string[] = [];
  let rootKey = e.ROOT_ENCRYPTION_KEY ?? e.ENCRYPTION_KEY;
  let authSecret = e.AUTH_SECRET;
  let rootKeyFile: string | undefined;

  if (!url && (!rootKey || !authSecret)) {
    const generated = embeddedSecrets(e.DATA_DIR);
    if (!rootKey) {
      rootKey = generated.rootKey;
      rootKeyFile = generated.file;
      notices.push(`ROOT_ENCRYPTION_KEY is not set: using the key kept in ${generated.file}${generated.created ? " (generated now)" : ""}`);
    }
    if (!authSecret) {
      authSecret = generated.authSecret;
      notices.push(`AUTH_SECRET is not set: using the secret kept in ${generated.file}${generated.created ? " (generated now)" : ""}`);
    }
  }
  if (!rootKey) throw new ConfigError("Missing configuration: ROOT_ENCRYPTION_KEY is required when DATABASE_URL is set");
  if (!authSecret) throw new ConfigError("Missing configuration: AUTH_SECRET is required when DATABASE_URL is set");

  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    database: loadDatabaseConfig({ DATABASE_URL: url, DATA_DIR: e.DATA_DIR }),
    host: e.HOST,
    port: e.PORT,
    rootKey,
    rootKeyId: rootKeyIdOf(rootKey),
    ...(rootKeyFile ? { rootKeyFile } : {}),
    authSecret,
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      writePerMinute: e.RATE_LIMIT_WRITE_PER_MINUTE,
      readPerMinute: e.RATE_LIMIT_READ_PER_MINUTE,
    },
    trustProxy: e.TRUST_PROXY,
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    allowInternalIp: e.DYNAMIC_SECRET_ALLOW_INTERNAL_IP ?? e.ALLOW_INTERNAL_IP_CONNECTIONS ?? false,
    providerConnectionTimeoutMs: e.PROVIDER_CONNECTION_TIMEOUT_MS,
    auditLogRetentionDays: e.AUDIT_LOG_RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    metricsEnabled: e.METRICS_ENABLED,
    notices,
  } satisfies Config);
}

type EmbeddedSecrets = { rootKey: Buffer; authSecret: string; file: string; created: boolean };

function embeddedSecrets(dataDir: string): EmbeddedSecrets {
  const file = path.resolve(dataDir, "secrets.json");
  if (existsSync(file)) {
    const stored = z
      .object({ rootEncryptionKey: z.string(), authSecret: z.string().min(32) })
      .safeParse(JSON.parse(readFileSync(file, "utf8")));
    const rootKey = stored.success ? parseKey32(stored.data.rootEncryptionKey) : undefined;
    if (!stored.success || !rootKey) throw new ConfigError(`Invalid configuration: ${file} is not a valid secrets file`);
    return { rootKey, authSecret: stored.data.authSecret, file, created: false };
  }
  const rootKey = randomBytes(32);
  const authSecret = randomBytes(48).toString("base64url");
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ rootEncryptionKey: rootKey.toString("base64"), authSecret }, null, 2), {
      mode: 0o600,
    });
    chmodSync(file, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`Invalid configuration: DATA_DIR ${path.dirname(file)} is not writable (${code}); point DATA_DIR at a directory this user can write`);
  }
  return { rootKey, authSecret, file, created: true };
}
