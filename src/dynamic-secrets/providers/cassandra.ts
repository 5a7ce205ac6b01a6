import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { port, StatementFields, TlsFields, trimmed } from "./fields.js";
import { verifyHost } from "../transport/host-check.js";
import { defineProvider } from "./provider.js";
import { assertPort, tcpProbe } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";

// No Cassandra driver is shipped: every contact point is host-checked, and the test passes when
// one of them accepts a TCP/TLS connection.

export const CassandraInputsSchema = z.object({
  /** One host or a comma-separated list of contact points. */
  host: z.string().trim().toLowerCase(),
  port: port(),
  localDataCenter: z.string().trim().min(1),
  keyspace: trimmed().optional(),
  username: trimmed(),
  password: trimmed(),
  ...StatementFields,
  ...TlsFields,
});

export const cassandraProvider = defineProvider({
  type: "cassandra",
  inputsSchema: CassandraInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatements(inputs, [
      { field: "creationStatement", templateName: "Cassandra creation", variables: ["username", "password", "expiration", "keyspace"] },
      { field: "renewStatement", templateName: "Cassandra renew", variables: ["username", "expiration", "keyspace"], onlyIfSet: true },
      { field: "revocationStatement", templateName: "Cassandra revoke", variables: ["username"] },
    ]);
  },
  async validateConnection(inputs, ctx) {
    const hosts = inputs.host.split(",").map((h) => h.trim()).filter(Boolean);
    const addresses: { host: string; address: string }[] = [];
    for (const host of hosts) {
      const [address = host] = await verifyHost(host, ctx);
      addresses.push({ host, address });
    }
    const tokens = [inputs.password, inputs.username, inputs.keyspace];
    let lastError: unknown = new Error("No contact points given");
    try {
      assertPort(inputs.port);
    } catch (err) {
      throw connectionFailed(err, tokens);
    }
    for (const { host, address } of addresses) {
      try {
        const tls = inputs.ca ? { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized, servername: host } : undefined;
        await tcpProbe(address, inputs.port, ctx.connectionTimeoutMs, tls);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw connectionFailed(lastError, tokens);
  },
});
