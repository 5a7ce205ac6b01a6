import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { port, required, trimmed, TlsFields } from "./fields.js";
import { verifyUrlHost } from "../transport/host-check.js";
import { basicAuth, httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

export const ElasticSearchInputsSchema = z.object({
  /** With its scheme: `http://…` or `https://…`. */
  host: required(),
  port: port(),
  roles: z.array(required()).min(1),
  auth: z.discriminatedUnion("type", [
    z.object({ type: z.literal("user"), username: trimmed(), password: trimmed() }),
    z.object({ type: z.literal("api-key"), apiKey: trimmed(), apiKeyId: trimmed() }),
  ]),
  ...TlsFields,
});

export const elasticSearchProvider = defineProvider({
  type: "elastic-search",
  inputsSchema: ElasticSearchInputsSchema,
  secretFields: [],
  sensitiveFields: ["auth.password", "auth.apiKey"],
  async validateConnection(inputs, ctx) {
    await verifyUrlHost(inputs.host, ctx);
    const { auth } = inputs;
    const authorization =
      auth.type === "user"
        ? basicAuth(auth.username, auth.password)
        : `ApiKey ${Buffer.from(`${auth.apiKeyId}:${auth.apiKey}`).toString("base64")}`;
    try {
      // The cluster `info` call (GET /).
      await httpRequest({
        url: `${inputs.host}:${inputs.port}/`,
        headers: { authorization },
        timeoutMs: ctx.connectionTimeoutMs,
        ca: inputs.ca,
        rejectUnauthorized: inputs.ca ? inputs.sslRejectUnauthorized : true,
      });
    } catch (err) {
      const tokens = auth.type === "user" ? [auth.username, auth.password] : [auth.apiKey, auth.apiKeyId];
      throw connectionFailed(err, tokens);
    }
  },
});
