import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { required } from "./fields.js";
import { httpRequest, HttpStatusError, jsonOf } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

export const AzureEntraIdInputsSchema = z.object({
  tenantId: required(),
  userId: required(),
  email: required(),
  applicationId: required(),
  clientSecret: required(),
});

/** `loginBaseUrl` lets tests point the provider at a loopback fake of the identity platform. */
export function createAzureEntraIdProvider(loginBaseUrl = "https://login.microsoftonline.com") {
  return defineProvider({
    type: "azure-entra-id",
    inputsSchema: AzureEntraIdInputsSchema,
    secretFields: [],
    sensitiveFields: ["clientSecret"],
    async validateConnection(inputs, ctx) {
      try {
        // The application's client-credentials token for Microsoft Graph proves the secret works.
        await httpRequest({
          url: `${loginBaseUrl}/${encodeURIComponent(inputs.tenantId)}/oauth2/v2.0/token`,
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: inputs.applicationId,
            client_secret: inputs.clientSecret,
            scope: "https://graph.microsoft.com/.default",
          }).toString(),
          timeoutMs: ctx.connectionTimeoutMs,
        });
      } catch (err) {
        const body = err instanceof HttpStatusError ? (jsonOf(err.response) as { error_description?: string } | undefined) : undefined;
        const cause = body?.error_description ? new Error(body.error_description.split("\r\n")[0]) : err;
        throw connectionFailed(cause, [inputs.clientSecret, inputs.applicationId]);
      }
    },
  });
}

export const azureEntraIdProvider = createAzureEntraIdProvider();
