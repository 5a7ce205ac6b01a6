import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { GatewayFields } from "./fields.js";
import { verifyUrlHost } from "../transport/host-check.js";
import { httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

const requiredField = (label: string) => z.string().trim().min(1, `${label} is required`);

export const IbmApiConnectInputsSchema = z.object({
  clientId: requiredField("Client ID"),
  clientSecret: requiredField("Client secret"),
  instanceUrl: z.string().trim().url("Must be a valid URL"),
  apiKey: requiredField("API key"),
  orgId: requiredField("Organization ID"),
  catalogId: requiredField("Catalog ID"),
  consumerOrgId: requiredField("Consumer organization ID"),
  appId: requiredField("Application ID"),
  ...GatewayFields,
});

export const ibmApiConnectProvider = defineProvider({
  type: "ibm-api-connect",
  inputsSchema: IbmApiConnectInputsSchema,
  secretFields: [],
  sensitiveFields: ["clientSecret", "apiKey"],
  async validateConnection(inputs, ctx) {
    await verifyUrlHost(inputs.instanceUrl, ctx, { isGateway: Boolean(inputs.gatewayId || inputs.gatewayPoolId) });
    try {
      // Exchanging the API key for a platform token proves the key and the client credentials.
      await httpRequest({
        url: `${inputs.instanceUrl.replace(/\/+$/, "")}/api/token`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "api_key",
          api_key: inputs.apiKey,
          client_id: inputs.clientId,
          client_secret: inputs.clientSecret,
        }),
        timeoutMs: ctx.connectionTimeoutMs,
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.clientSecret, inputs.apiKey, inputs.clientId]);
    }
  },
});
