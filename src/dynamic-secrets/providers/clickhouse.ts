import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { GatewayFields, PasswordRequirementsSchema, port, StatementFields, trimmed } from "./fields.js";
import { verifyHost } from "../transport/host-check.js";
import { httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";
import { validateStatements } from "../templates/check.js";

export const ClickhouseInputsSchema = z.object({
  host: trimmed(),
  port: port(),
  database: trimmed(),
  username: trimmed(),
  password: trimmed(),
  passwordRequirements: PasswordRequirementsSchema.optional(),
  ...StatementFields,
  ca: z.string().optional(),
  sslEnabled: z.boolean().optional(),
  ...GatewayFields,
});

export const clickhouseProvider = defineProvider({
  type: "clickhouse",
  inputsSchema: ClickhouseInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatementsFor(inputs);
  },
  async validateConnection(inputs, ctx) {
    const hostname = inputs.host.replace(/^https?:\/\//, "");
    await verifyHost(hostname, ctx, { isGateway: Boolean(inputs.gatewayId || inputs.gatewayPoolId) });
    const secure = inputs.sslEnabled ?? Boolean(inputs.ca);
    try {
      // ClickHouse's HTTP interface: `SELECT 1` with the user's credentials.
      await httpRequest({
        url: `${secure ? "https" : "http"}://${hostname}:${inputs.port}/?query=${encodeURIComponent("SELECT 1")}&database=${encodeURIComponent(inputs.database)}`,
        headers: { "x-clickhouse-user": inputs.username, "x-clickhouse-key": inputs.password },
        timeoutMs: Math.min(ctx.connectionTimeoutMs, 10_000),
        ca: inputs.ca,
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.username, inputs.password]);
    }
  },
});

function validateStatementsFor(inputs: z.output<typeof ClickhouseInputsSchema>) {
  validateStatements(inputs, [
    { field: "creationStatement", templateName: "ClickHouse creation", variables: ["username", "password", "expiration", "database"] },
    { field: "renewStatement", templateName: "ClickHouse renew", variables: ["username", "expiration", "database"], onlyIfSet: true },
    { field: "revocationStatement", templateName: "ClickHouse revoke", variables: ["username", "database"] },
  ]);
}
