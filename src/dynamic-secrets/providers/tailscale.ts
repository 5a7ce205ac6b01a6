import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

const AuthSchema = z.discriminatedUnion("method", [
  z.object({ method: z.literal("api_key"), apiKey: z.string().trim().min(1) }),
  z.object({ method: z.literal("oauth"), clientId: z.string().trim().min(1), clientSecret: z.string().trim().min(1) }),
]);

const CommonFields = {
  auth: AuthSchema,
  tailnet: z.string().trim().min(1).default("-"),
  description: z.string().max(50).optional(),
  tags: z.array(z.string().trim().min(1)).default([]),
};

export const TailscaleInputsSchema = z.discriminatedUnion("authType", [
  z.object({
    authType: z.literal("auth_keys"),
    ...CommonFields,
    reusable: z.boolean().default(false),
    ephemeral: z.boolean().default(false),
    preauthorized: z.boolean().default(false),
  }),
  z.object({ authType: z.literal("oauth_keys"), ...CommonFields, scopes: z.array(z.string().trim().min(1)).min(1) }),
]);

/** `apiBaseUrl` lets tests point the provider at a loopback fake of the Tailscale API. */
export function createTailscaleProvider(apiBaseUrl = "https://api.tailscale.com") {
  return defineProvider({
    type: "tailscale",
    inputsSchema: TailscaleInputsSchema,
    secretFields: [],
    sensitiveFields: ["auth.apiKey", "auth.clientSecret"],
    async validateConnection(inputs, ctx) {
      const { auth } = inputs;
      try {
        if (auth.method === "oauth") {
          await httpRequest({
            url: `${apiBaseUrl}/api/v2/oauth/token`,
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ client_id: auth.clientId, client_secret: auth.clientSecret }).toString(),
            timeoutMs: ctx.connectionTimeoutMs,
          });
        } else {
          await httpRequest({
            url: `${apiBaseUrl}/api/v2/tailnet/${encodeURIComponent(inputs.tailnet)}/keys`,
            headers: { authorization: `Bearer ${auth.apiKey}` },
            timeoutMs: ctx.connectionTimeoutMs,
          });
        }
      } catch (err) {
        throw connectionFailed(err, auth.method === "oauth" ? [auth.clientSecret, auth.clientId] : [auth.apiKey]);
      }
    },
  });
}

export const tailscaleProvider = createTailscaleProvider();
