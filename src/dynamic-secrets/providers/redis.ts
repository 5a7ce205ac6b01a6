import type { Redis } from "ioredis";
import { z } from "zod";
import { SqlConnectionFields, StatementFields, TlsFields, withHostIp } from "./fields.js";
import { connectionFailed, errorMessage, withTimeout, leaseFailed } from "../transport/connection-error.js";
import { verifyHost } from "../transport/host-check.js";
import { defineProvider, type ProviderContext } from "./provider.js";
import { generateLongPassword } from "../../lib/random.js";
import { renderStatements } from "../templates/render.js";
import { assertPort } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";

export const RedisInputsSchema = z
  .object({
    ...SqlConnectionFields,
    password: SqlConnectionFields.password.optional(),
    ...StatementFields,
    ...TlsFields,
  })
  .transform(withHostIp);

type RedisInputs = z.output<typeof RedisInputsSchema>;

/**
 * Connects (explicit AUTH when a password is set), runs `work`, disconnects. Socket errors arrive
 * as events; the awaited command then only says "Connection is closed.", so the socket's error is
 * the one reported.
 */
async function withRedis(inputs: RedisInputs, ctx: ProviderContext, work: (redis: Redis) => Promise<void>): Promise<void> {
  const [address = inputs.host] = await verifyHost(inputs.host, ctx);
  const timeoutMs = ctx.connectionTimeoutMs;
  let client: Redis | undefined;
  let socketError: Error | undefined;
  try {
    assertPort(inputs.port);
    // Loaded on first use (start-up time and memory of servers that never talk to Redis).
    const { Redis: RedisClient } = await import("ioredis");
    client = new RedisClient({
      host: address,
      port: inputs.port,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      // RESP2 and no ready check: no HELLO/INFO before our explicit AUTH, which a
      // password-protected server would refuse with NOAUTH.
      protocol: 2,
      enableReadyCheck: false,
      tls: inputs.ca ? { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized, servername: inputs.host } : undefined,
    });
    client.on("error", (err: Error) => {
      socketError ??= err;
    });
    const redis = client;
    await withTimeout(
      (async () => {
        await redis.connect();
        // Infisical sends `AUTH <username>` when there is no password, which Redis reads as a
        // password for the default user; we skip AUTH then and let the commands answer NOAUTH.
        if (inputs.password) {
          const reply = inputs.username ? await redis.auth(inputs.username, inputs.password) : await redis.auth(inputs.password);
          if (reply !== "OK") throw new Error(`Invalid credentials, Redis returned ${String(reply)} status`);
        }
        await work(redis);
      })(),
      timeoutMs,
    );
  } catch (err) {
    throw socketError && err instanceof Error && /Connection is closed/.test(err.message) ? socketError : err;
  } finally {
    client?.disconnect();
  }
}

/** The rendered statements, each split on spaces (no quoting, as Infisical), in one MULTI/EXEC. */
async function runCommands(inputs: RedisInputs, ctx: ProviderContext, statements: string[]): Promise<void> {
  await withRedis(inputs, ctx, async (redis) => {
    let multi = redis.multi();
    for (const statement of statements) {
      const [name, ...args] = statement.split(" ").filter((token) => token !== "");
      multi = multi.call(name!, ...args);
    }
    const results = (await multi.exec()) ?? [];
    const errors = results.filter(([err]) => err).map(([err]) => errorMessage(err));
    if (errors.length > 0) throw new Error(`Redis transaction failed with errors: ${errors.join("; ")}`);
  });
}


export const redisProvider = defineProvider({
  type: "redis",
  inputsSchema: RedisInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatements(inputs, [
      { field: "creationStatement", templateName: "Redis creation", variables: ["username", "password", "expiration"] },
      { field: "renewStatement", templateName: "Redis renew", variables: ["username", "expiration"], onlyIfSet: true },
      { field: "revocationStatement", templateName: "Redis revoke", variables: ["username"] },
    ]);
  },
  async validateConnection(inputs, ctx) {
    try {
      await withRedis(inputs, ctx, async (redis) => {
        await redis.ping();
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.password, inputs.username, inputs.host, inputs.port]);
    }
  },
  targetFields: ["host", "port"],
  async create({ inputs, entityId, expireAt, ctx }) {
    const password = generateLongPassword();
    const vars = { username: entityId, password, expiration: expireAt.toISOString() };
    try {
      await runCommands(inputs, ctx, renderStatements(inputs.creationStatement, vars, { escape: false }));
    } catch (err) {
      throw leaseFailed("create", err, [entityId, password, inputs.username, inputs.password]);
    }
    return { data: { DB_USERNAME: entityId, DB_PASSWORD: password } };
  },
  async revoke({ inputs, entityId, ctx }) {
    try {
      await runCommands(inputs, ctx, renderStatements(inputs.revocationStatement, { username: entityId }, { escape: true }));
    } catch (err) {
      throw leaseFailed("revoke", err, [entityId, inputs.username, inputs.password]);
    }
  },
  async renew({ inputs, entityId, expireAt, ctx }) {
    if (!inputs.renewStatement) return; // Redis ACL users have no expiry: only expireAt moves
    const vars = { username: entityId, expiration: expireAt.toISOString() };
    try {
      await runCommands(inputs, ctx, renderStatements(inputs.renewStatement, vars, { escape: true }));
    } catch (err) {
      throw leaseFailed("renew", err, [entityId, inputs.username, inputs.password]);
    }
  },
});
