import { z } from "zod";
import { BadRequestError } from "../../lib/errors.js";
import { connectionFailed } from "../transport/connection-error.js";
import { verifyUrlHost } from "../transport/host-check.js";
import { basicAuth, httpRequest, jsonOf } from "../transport/http-request.js";
import { defineProvider, type ProviderContext } from "./provider.js";

// OAuth 2.0 client-credentials: the connection test requests a token and revokes it again.
// Wire strings for grantType and the client-auth methods are unconfirmed upstream.

const RESERVED_PARAMS = ["grant_type", "scope", "client_id", "client_secret", "client_assertion", "client_assertion_type"];
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3

const ScopeSchema = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const tokens = [...new Set((value ?? "").split(/\s+/).filter(Boolean))];
    if (tokens.some((t) => !SCOPE_TOKEN.test(t))) {
      ctx.addIssue({ code: "custom", message: "Scope contains invalid characters" });
      return z.NEVER;
    }
    return tokens.length ? tokens.join(" ") : undefined;
  });

const ExtraParamsSchema = z
  .array(z.object({ key: z.string().trim().min(1), value: z.string() }))
  .max(20, "At most 20 extra parameters")
  .superRefine((params, ctx) => {
    const seen = new Set<string>();
    params.forEach((p, i) => {
      const lower = p.key.toLowerCase();
      if (RESERVED_PARAMS.includes(lower)) {
        ctx.addIssue({ code: "custom", path: [i, "key"], message: `"${p.key}" can't be used as an extra parameter` });
      }
      if (seen.has(p.key)) ctx.addIssue({ code: "custom", path: [i, "key"], message: `"${p.key}" is set more than once` });
      seen.add(p.key);
    });
  })
  .optional();

export const OAuth2InputsSchema = z.object({
  grantType: z.literal("client-credentials").default("client-credentials"),
  tokenUrl: z.string().trim().url(),
  revocationUrl: z.string().trim().url(),
  clientId: z.string().trim().min(1),
  clientAuth: z.discriminatedUnion("method", [
    z.object({ method: z.literal("client-secret-basic"), clientSecret: z.string().min(1) }),
    z.object({ method: z.literal("client-secret-post"), clientSecret: z.string().min(1) }),
  ]),
  scope: ScopeSchema,
  extraParams: ExtraParamsSchema,
});

type OAuth2Inputs = z.output<typeof OAuth2InputsSchema>;

function assertHttps(url: string, message: string, ctx: ProviderContext) {
  // Infisical allows http only in development mode; we treat test mode the same way (D19).
  if (ctx.nodeEnv === "development" || ctx.nodeEnv === "test") return;
  if (new URL(url).protocol !== "https:") throw new BadRequestError(message);
}

function clientAuthRequest(inputs: OAuth2Inputs, params: Record<string, string>) {
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (inputs.clientAuth.method === "client-secret-basic") {
    headers.authorization = basicAuth(encodeURIComponent(inputs.clientId), encodeURIComponent(inputs.clientAuth.clientSecret));
  } else {
    form.set("client_id", inputs.clientId);
    form.set("client_secret", inputs.clientAuth.clientSecret);
  }
  return { headers, body: form.toString() };
}

export const oauth2Provider = defineProvider({
  type: "oauth2",
  inputsSchema: OAuth2InputsSchema,
  secretFields: ["clientAuth.clientSecret"],
  sensitiveFields: ["clientAuth.clientSecret"],
  async validateConnection(inputs, ctx) {
    assertHttps(inputs.tokenUrl, "Token URL must use https", ctx);
    assertHttps(inputs.revocationUrl, "Revocation URL must use https", ctx);
    await verifyUrlHost(inputs.tokenUrl, ctx);
    await verifyUrlHost(inputs.revocationUrl, ctx);
    let accessToken: string | undefined;
    try {
      const params: Record<string, string> = { grant_type: "client_credentials" };
      if (inputs.scope) params.scope = inputs.scope;
      for (const p of inputs.extraParams ?? []) params[p.key] = p.value;
      const response = await httpRequest({
        url: inputs.tokenUrl,
        method: "POST",
        ...clientAuthRequest(inputs, params),
        timeoutMs: ctx.connectionTimeoutMs,
      });
      const body = jsonOf(response) as { access_token?: unknown } | undefined;
      if (typeof body?.access_token !== "string") throw new Error("The authorization server did not return an access token");
      accessToken = body.access_token;
      await httpRequest({
        url: inputs.revocationUrl,
        method: "POST",
        ...clientAuthRequest(inputs, { token: accessToken, token_type_hint: "access_token" }),
        timeoutMs: ctx.connectionTimeoutMs,
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.clientAuth.clientSecret, inputs.clientId, accessToken]);
    }
  },
});
