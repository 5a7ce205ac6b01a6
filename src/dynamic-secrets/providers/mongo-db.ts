import { resolveSrv } from "node:dns/promises";
import { z } from "zod";
import { connectionFailed, withTimeout } from "../transport/connection-error.js";
import { verifyHost } from "../transport/host-check.js";
import { defineProvider } from "./provider.js";
import { assertPort, tcpProbe } from "../transport/tcp-probe.js";

// No MongoDB driver is shipped: the connection test resolves the target (SRV record when no port
// is given, as `mongodb+srv://` does) and checks the server accepts a TCP/TLS connection.

// Infisical checks min(1) before trimming, so "   " passes and is stored as "".
const untrimmedRequired = () => z.string().min(1).trim();

export const MongoDbInputsSchema = z.object({
  host: z.string().min(1).trim().toLowerCase(),
  port: z.number().nullable().optional(),
  username: untrimmedRequired(),
  password: untrimmedRequired(),
  database: untrimmedRequired(),
  ca: z.string().trim().nullable().optional(),
  sslRejectUnauthorized: z.boolean().default(true),
  roles: z.array(z.string()).min(1),
});

export const mongoDbProvider = defineProvider({
  type: "mongo-db",
  inputsSchema: MongoDbInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  async validateConnection(inputs, ctx) {
    // Infisical calls the validator without the dynamic-secret flag here, so its hint names the other one.
    await verifyHost(inputs.host, ctx, { flagName: "ALLOW_INTERNAL_IP_CONNECTIONS" });
    const timeoutMs = ctx.connectionTimeoutMs;
    const tls = inputs.ca
      ? { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized, servername: inputs.host }
      : undefined;
    try {
      if (inputs.port) {
        assertPort(inputs.port);
        await tcpProbe(inputs.host, inputs.port, timeoutMs, tls);
        return;
      }
      const records = await withTimeout(resolveSrv(`_mongodb._tcp.${inputs.host}`), timeoutMs);
      const first = records[0];
      if (!first) throw new Error(`querySrv ENOTFOUND _mongodb._tcp.${inputs.host}`);
      await verifyHost(first.name, ctx, { flagName: "ALLOW_INTERNAL_IP_CONNECTIONS" });
      // Atlas SRV targets always speak TLS.
      await tcpProbe(first.name, first.port, timeoutMs, { ...tls, servername: first.name });
    } catch (err) {
      throw connectionFailed(err, [inputs.password, inputs.username, inputs.database, inputs.host]);
    }
  },
});
