import { z } from "zod";
import { connectionFailed, leaseFailed } from "../transport/connection-error.js";
import { port, required, TlsFields } from "./fields.js";
import { verifyUrlHost } from "../transport/host-check.js";
import { basicAuth, httpRequest } from "../transport/http-request.js";
import { defineProvider, type ProviderContext } from "./provider.js";
import { generateLongPassword } from "../../lib/random.js";

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

type RabbitMqInputs = z.output<typeof RabbitMqInputsSchema>;

/** One management API call as the configured admin user. */
async function management(inputs: RabbitMqInputs, ctx: ProviderContext, method: string, path: string, body?: unknown) {
  await verifyUrlHost(inputs.host, ctx);
  return httpRequest({
    url: `${inputs.host}:${inputs.port}/api${path}`,
    method,
    headers: { authorization: basicAuth(inputs.username, inputs.password), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs: ctx.connectionTimeoutMs,
    ca: inputs.ca,
    rejectUnauthorized: inputs.sslRejectUnauthorized,
  });
}


const userPath = (username: string) => `/users/${encodeURIComponent(username)}`;

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
  targetFields: ["host", "port", "virtualHost.name"],
  async create({ inputs, entityId, ctx }) {
    const password = generateLongPassword();
    const { name: vhost, permissions } = inputs.virtualHost;
    try {
      await management(inputs, ctx, "PUT", userPath(entityId), { password, tags: [...inputs.tags, "infisical-user"].join(",") });
    } catch (err) {
      throw leaseFailed("create", err, [entityId, password, inputs.username, inputs.password]);
    }
    try {
      await management(inputs, ctx, "PUT", `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(entityId)}`, permissions);
    } catch (err) {
      // D33: the user exists without its permissions; remove it before answering.
      await management(inputs, ctx, "DELETE", userPath(entityId)).catch(() => undefined);
      throw leaseFailed("create", err, [entityId, password, inputs.username, inputs.password]);
    }
    return { data: { DB_USERNAME: entityId, DB_PASSWORD: password } };
  },
  async revoke({ inputs, entityId, ctx }) {
    try {
      await management(inputs, ctx, "DELETE", userPath(entityId));
    } catch (err) {
      throw leaseFailed("revoke", err, [entityId, inputs.username, inputs.password]);
    }
  },
});
