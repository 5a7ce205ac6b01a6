import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { verifyUrlTarget } from "../transport/host-check.js";
import { httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

const HTTP_URL = /^https?:\/\/.+/;
const urlField = () =>
  z.string().trim().regex(HTTP_URL, "Invalid URL. Must start with http:// or https:// (e.g. https://example.com)");

const CommonFields = {
  clusterToken: z.string().trim().optional(),
  ca: z.string().optional(),
  sslEnabled: z.boolean().default(false),
  sslRejectUnauthorized: z.boolean().default(true),
  gatewayId: z.string().nullable().optional(),
  gatewayPoolId: z.string().nullable().optional(),
  audiences: z.array(z.string().trim().min(1)),
  authMethod: z.enum(["gateway", "api"]).default("api"),
};

const StaticSchema = z.object({
  credentialType: z.literal("static"),
  url: urlField().optional(),
  ...CommonFields,
  serviceAccountName: z.string().trim().min(1),
  namespace: z
    .string()
    .trim()
    .min(1)
    .refine((v) => !v.includes(","), "Namespace must be a single value, not a comma-separated list")
    .refine((v) => /^[A-Za-z0-9-]+$/.test(v), "Invalid namespace format"),
});

const DynamicSchema = z.object({
  credentialType: z.literal("dynamic"),
  url: urlField().url().optional(),
  ...CommonFields,
  namespace: z
    .string()
    .trim()
    .min(1)
    .refine(
      (v) => v.split(",").every((n) => /^[A-Za-z0-9-]+$/.test(n.trim())),
      "Must be a valid comma-separated list of namespace values",
    ),
  roleType: z.enum(["cluster-role", "role"]),
  role: z.string().trim().min(1),
});

export const KubernetesInputsSchema = z
  .discriminatedUnion("credentialType", [StaticSchema, DynamicSchema])
  .superRefine((v, ctx) => {
    if (v.gatewayId && v.gatewayPoolId) {
      ctx.addIssue({ code: "custom", path: ["gatewayPoolId"], message: "Cannot specify both a gateway and a gateway pool" });
    }
    if (v.authMethod === "gateway" && !v.gatewayId && !v.gatewayPoolId) {
      ctx.addIssue({
        code: "custom",
        path: ["gatewayId"],
        message: "When auth method is set to Gateway, a gateway or gateway pool must be selected",
      });
    }
    if (v.authMethod === "api") {
      if (!v.clusterToken) {
        ctx.addIssue({ code: "custom", path: ["clusterToken"], message: "When auth method is set to Token, a cluster token must be provided" });
      }
      if (!v.url) {
        ctx.addIssue({ code: "custom", path: ["url"], message: "When auth method is set to Token, a cluster URL must be provided" });
      }
    }
  });

export const kubernetesProvider = defineProvider({
  type: "kubernetes",
  inputsSchema: KubernetesInputsSchema,
  secretFields: [],
  sensitiveFields: ["clusterToken"],
  async validateConnection(inputs, ctx) {
    const isGateway = Boolean(inputs.gatewayId || inputs.gatewayPoolId);
    // Gateways are not supported by this server (D20); the service refuses a gateway id first.
    if (isGateway || !inputs.url) return;
    await verifyUrlTarget(inputs.url, ctx);
    try {
      // The API server's resource list, with the cluster token: proves reachability and the token.
      await httpRequest({
        url: `${inputs.url.replace(/\/+$/, "")}/api`,
        headers: { authorization: `Bearer ${inputs.clusterToken ?? ""}` },
        timeoutMs: ctx.connectionTimeoutMs,
        ca: inputs.ca,
        rejectUnauthorized: inputs.sslRejectUnauthorized,
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.clusterToken]);
    }
  },
});
