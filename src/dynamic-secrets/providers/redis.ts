import { Redis } from "ioredis";
import { z } from "zod";
import { SqlConnectionFields, StatementFields, TlsFields, withHostIp } from "./fields.js";
import { connectionFailed, withTimeout } from "./connection-error.js";
import { verifyHost } from "./host-check.js";
import { defineProvider } from "./provider.js";
import { assertPort } from "./tcp-probe.js";
import { validateStatements } from "./template-check.js";

export const RedisInputsSchema = z
  .object({
    ...SqlConnectionFields,
    password: SqlConnectionFields.password.optional(),
    ...StatementFields,
    ...TlsFields,
  })
  .transform(withHostIp);

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
    const [address = inputs.host] = await verifyHost(inputs.host, ctx);
    const timeoutMs = ctx.connectionTimeoutMs;
    let client: Redis | undefined;
    let socketError: Error | undefined;
    try {
      assertPort(inputs.port);
      client = new Redis({
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
        tls: inputs.ca
          ? { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized, servername: inputs.host }
          : undefined,
      });
      // Socket errors arrive as events; the awaited command then only says "Connection is closed.".
      client.on("error", (err: Error) => {
        socketError ??= err;
      });
      const redis = client;
      await withTimeout(
        (async () => {
          await redis.connect();
          // Infisical sends `AUTH <username>` when there is no password, which Redis reads as a
          // password for the default user; we skip AUTH then and let PING answer NOAUTH if needed.
          if (inputs.password) {
            const reply = inputs.username
              ? await redis.auth(inputs.username, inputs.password)
              : await redis.auth(inputs.password);
            if (reply !== "OK") throw new Error(`Invalid credentials, Redis returned ${String(reply)} status`);
          }
          await redis.ping();
        })(),
        timeoutMs,
      );
    } catch (err) {
      const cause = socketError && err instanceof Error && /Connection is closed/.test(err.message) ? socketError : err;
      throw connectionFailed(cause, [inputs.password, inputs.username, inputs.host, inputs.port]);
    } finally {
      client?.disconnect();
    }
  },
});
