import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { verifyUrlHost } from "../transport/host-check.js";
import { httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

const FORBIDDEN_SYMBOLS = ["<", ">", ";", ".", "*", "&", "|", "£"];

const CouchbasePasswordRequirementsSchema = z
  .object({
    length: z.number().min(8, "Password must be at least 8 characters").max(128, "Password cannot exceed 128 characters"),
    required: z
      .object({
        lowercase: z.number().min(1, "At least 1 lowercase character is required"),
        uppercase: z.number().min(1, "At least 1 uppercase character is required"),
        digits: z.number().min(1, "At least 1 digit is required"),
        symbols: z.number().min(1, "At least 1 special character is required"),
      })
      .refine((r) => r.lowercase + r.uppercase + r.digits + r.symbols <= 128, {
        message: "Sum of required characters cannot exceed 128",
      }),
    allowedSymbols: z
      .string()
      .refine((s) => !FORBIDDEN_SYMBOLS.some((c) => s.includes(c)), "Cannot contain: < > ; . * & | £")
      .optional(),
  })
  .refine((p) => p.required.lowercase + p.required.uppercase + p.required.digits + p.required.symbols <= p.length, {
    message: "Sum of required characters cannot exceed the total length",
  });

const BucketNamesSchema = z
  .string()
  .trim()
  .min(1)
  .refine((s) => {
    const names = s.split(",").map((n) => n.trim());
    return !(names.includes("*") && names.length > 1);
  }, "Cannot combine '*' with other bucket names");

const BucketListSchema = z
  .array(
    z.object({
      name: z.string().trim().min(1),
      scopes: z.array(z.object({ name: z.string().trim().min(1), collections: z.array(z.string().trim().min(1)).optional() })).optional(),
    }),
  )
  .refine((list) => !(list.some((b) => b.name === "*") && list.length > 1), "Cannot combine '*' bucket with other buckets");

export const CouchbaseInputsSchema = z.object({
  url: z.string().trim().min(1).url(),
  orgId: z.string().trim().min(1),
  projectId: z.string().trim().min(1),
  clusterId: z.string().trim().min(1),
  roles: z.array(z.string()).min(1),
  buckets: z.union([BucketNamesSchema, BucketListSchema]).default("*"),
  passwordRequirements: CouchbasePasswordRequirementsSchema.optional(),
  auth: z.object({ apiKey: z.string().trim().min(1) }),
});

export const couchbaseProvider = defineProvider({
  type: "couchbase",
  inputsSchema: CouchbaseInputsSchema,
  secretFields: [],
  sensitiveFields: ["auth.apiKey"],
  async validateConnection(inputs, ctx) {
    await verifyUrlHost(inputs.url, ctx);
    const path = ["organizations", inputs.orgId, "projects", inputs.projectId, "clusters", inputs.clusterId]
      .map(encodeURIComponent)
      .join("/");
    try {
      // Reading the cluster through the Capella management API proves the key and the ids.
      await httpRequest({
        url: `${inputs.url.replace(/\/+$/, "")}/v4/${path}`,
        headers: { authorization: `Bearer ${inputs.auth.apiKey}` },
        timeoutMs: ctx.connectionTimeoutMs,
      });
    } catch (err) {
      throw connectionFailed(err, [inputs.auth.apiKey]);
    }
  },
});
