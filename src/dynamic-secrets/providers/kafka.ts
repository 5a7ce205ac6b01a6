import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { port } from "./fields.js";
import { verifyHost } from "../transport/host-check.js";
import { defineProvider } from "./provider.js";
import { assertPort, tcpProbe } from "../transport/tcp-probe.js";

// No Kafka client is shipped: every broker is host-checked, and the test passes when one of them
// accepts a TCP (or TLS, with sslEnabled) connection. The SCRAM/authorizer checks of Infisical
// need the Kafka admin protocol and are not made. Wire enum strings are unconfirmed upstream.

const AclSchema = z
  .object({
    resourceType: z.enum(["Topic", "Group", "Cluster", "TransactionalId"]),
    patternType: z.enum(["Literal", "Prefixed"]).default("Literal"),
    resourceName: z.string().trim().min(1),
    operation: z.enum([
      "All",
      "Read",
      "Write",
      "Create",
      "Delete",
      "Alter",
      "Describe",
      "ClusterAction",
      "DescribeConfigs",
      "AlterConfigs",
      "IdempotentWrite",
    ]),
    permissionType: z.enum(["Allow", "Deny"]).default("Allow"),
  })
  .refine((acl) => acl.resourceType !== "Cluster" || acl.resourceName === "kafka-cluster", {
    message: "Cluster ACLs must use the resource name 'kafka-cluster'",
    path: ["resourceName"],
  });

export const KafkaInputsSchema = z.object({
  brokers: z.array(z.object({ host: z.string().trim().toLowerCase().min(1), port: port() })).min(1),
  saslMechanism: z.enum(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
  username: z.string().trim().min(1),
  password: z.string().trim().min(1),
  acls: z.array(AclSchema).default([]),
  sslEnabled: z.boolean().default(false),
  ca: z.string().optional(),
  sslRejectUnauthorized: z.boolean().default(true),
});

export const kafkaProvider = defineProvider({
  type: "kafka",
  inputsSchema: KafkaInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  async validateConnection(inputs, ctx) {
    const targets: { host: string; address: string; port: number }[] = [];
    for (const broker of inputs.brokers) {
      const [address = broker.host] = await verifyHost(broker.host, ctx);
      targets.push({ host: broker.host, address, port: broker.port });
    }
    let lastError: unknown;
    for (const target of targets) {
      try {
        assertPort(target.port);
        const tls = inputs.sslEnabled
          ? { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized, servername: target.host }
          : undefined;
        await tcpProbe(target.address, target.port, ctx.connectionTimeoutMs, tls);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw connectionFailed(lastError, [inputs.password, inputs.username, ...inputs.brokers.map((b) => b.host)]);
  },
});
