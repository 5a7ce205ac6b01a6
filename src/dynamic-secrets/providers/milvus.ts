import { z } from "zod";
import { BadRequestError } from "../../lib/errors.js";
import { errorMessage, redactWords } from "../transport/connection-error.js";
import { GatewayFields } from "./fields.js";
import { verifyHost, verifyUrlTarget } from "../transport/host-check.js";
import { httpRequest, jsonOf } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

export const MilvusInputsSchema = z.object({
  /** Host name, optionally with an http/https scheme. */
  host: z.string().trim().min(1),
  port: z.number().int().min(1).max(65535),
  username: z.string().trim().min(1),
  password: z.string().trim().min(1),
  database: z.string().trim().default("default"),
  privileges: z
    .array(
      z.object({
        objectType: z.string().trim().min(1),
        objectName: z.string().trim().default("*"),
        privilege: z.string().trim().min(1),
        dbName: z.string().trim().optional(),
      }),
    )
    .default([]),
  ca: z.string().optional(),
  sslRejectUnauthorized: z.boolean().default(true),
  ...GatewayFields,
});

type MilvusInputs = z.output<typeof MilvusInputsSchema>;

export function milvusOrigin(inputs: Pick<MilvusInputs, "host" | "port" | "ca">): string {
  const scheme = /^https:\/\//i.test(inputs.host) || inputs.ca ? "https" : "http";
  const hostname = inputs.host.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  return `${scheme}://${hostname}:${inputs.port}`;
}

export const milvusProvider = defineProvider({
  type: "milvus",
  inputsSchema: MilvusInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  async validateConnection(inputs, ctx) {
    const origin = milvusOrigin(inputs);
    const isGateway = Boolean(inputs.gatewayId || inputs.gatewayPoolId);
    await verifyUrlTarget(origin, ctx, { isGateway });
    await verifyHost(new URL(origin).hostname, ctx, { isGateway });
    try {
      const response = await httpRequest({
        url: `${origin}/v2/vectordb/users/describe`,
        method: "POST",
        headers: { authorization: `Bearer ${inputs.username}:${inputs.password}`, "content-type": "application/json" },
        body: JSON.stringify({ userName: inputs.username }),
        timeoutMs: Math.min(ctx.connectionTimeoutMs, 30_000),
        ca: inputs.ca,
        rejectUnauthorized: inputs.sslRejectUnauthorized,
      });
      // Milvus answers 200 with a non-zero `code` for application errors (e.g. bad credentials).
      const body = jsonOf(response) as { code?: number; message?: string } | undefined;
      if (body && typeof body.code === "number" && body.code !== 0) throw new Error(body.message ?? `code ${body.code}`);
    } catch (err) {
      throw new BadRequestError(`Failed to connect with Milvus: ${redactWords(errorMessage(err), [inputs.password, inputs.username])}`);
    }
  },
});
