import { z } from "zod";
import { BadRequestError } from "../../lib/errors.js";
import { required, trimmed } from "./fields.js";
import { verifyHost } from "../transport/host-check.js";
import { defineProvider } from "./provider.js";
import { tcpProbe } from "../transport/tcp-probe.js";

// No Snowflake driver is shipped: the test checks the account's endpoint accepts a TLS connection
// within the timeout. Infisical answers any failure with the one message below.

export const SnowflakeInputsSchema = z.object({
  accountId: required(),
  orgId: required(),
  username: required(),
  password: required(),
  creationStatement: required(),
  revocationStatement: required(),
  renewStatement: trimmed().optional(),
});

export function snowflakeHost(inputs: { orgId: string; accountId: string }): string {
  return `${inputs.orgId}-${inputs.accountId}.snowflakecomputing.com`.toLowerCase();
}

export const snowflakeProvider = defineProvider({
  type: "snowflake",
  inputsSchema: SnowflakeInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  async validateConnection(inputs, ctx) {
    const host = snowflakeHost(inputs);
    await verifyHost(host, ctx);
    try {
      await tcpProbe(host, 443, ctx.connectionTimeoutMs, { servername: host });
    } catch {
      throw new BadRequestError("Unable to establish connection - verify credentials");
    }
  },
});
