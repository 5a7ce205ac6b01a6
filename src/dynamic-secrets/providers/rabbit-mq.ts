import { z } from "zod";
import { connectionFailed } from "./connection-error.js";
import { port, required, TlsFields } from "./fields.js";
import { verifyUrlHost } from "./host-check.js";
import { basicAuth, httpRequest } from "./http-request.js";
import { defineProvider } from "./provider.js";

export const RabbitMqInputsSchema = z.object({
  /** Management API base, with its scheme: `http://…` or `https://…`. */
  host: required(),
  port: port(),
  tags: z.array(z.string().trim()).default([]),
  username: required(),
  password: required(),
  ...TlsFields,
  virtualHost: z.object({
    name: required(),
    permissions: z.object({ read: required(), write: required(), configure: required() }),
  }),
});

export const rabbitMqProvider = defineProvider({
  type: "rabbit-mq",
  inputsSchema: RabbitMqInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  async validateConnection(inputs, ctx) {
    await verifyUrlHost(inputs.host, ctx);
    try {
      await httpRequest({
        url: `${inputs.host}:${inputs.port}/api/whoami`,
        headers: { authorization: basicAuth(inputs.username, inputs.password) },
        timeoutMs: ctx.connectionTimeoutMs,
        ca: inputs.ca,
        rejectUnauthorized: inputs.sslRejectUnauthorized,
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.password, inputs.username, inputs.host]);
    }
  },
});
