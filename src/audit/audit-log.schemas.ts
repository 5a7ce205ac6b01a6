import { z } from "zod";

// GET /api/v1/organization/audit-logs.

const ActorTypeSchema = z.enum(["identity", "user", "service", "unknownUser", "platform", "scimClient", "kmipClient"]);
const UserAgentTypeSchema = z.enum(["web", "cli", "k8-operator", "terraform", "InfisicalNodeSDK", "InfisicalPythonSDK", "other"]);

/** `k1=v1,k2=v2` → exact-match filters on event metadata keys. */
const EventMetadataFilterSchema = z.string().transform((value, ctx) => {
  const pairs: Record<string, string> = {};
  for (const part of value.split(",")) {
    if (part.trim() === "") continue;
    const at = part.indexOf("=");
    if (at <= 0) {
      ctx.addIssue({ code: "custom", message: "Event metadata filters must be key=value pairs separated by commas" });
      return z.NEVER;
    }
    pairs[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return pairs;
});

const EventTypeListSchema = z.string().transform((value) =>
  value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean),
);

export const THREE_MONTHS_MESSAGE = "Dates must be within 3 months";
export const END_BEFORE_START_MESSAGE = "End date cannot be before start date";

export const AuditLogQuerySchema = z
  .object({
    projectId: z.string().optional(),
    environment: z.string().optional(),
    actorType: ActorTypeSchema.optional(),
    secretPath: z.string().optional(),
    secretKey: z.string().optional(),
    eventType: EventTypeListSchema.optional(),
    userAgentType: UserAgentTypeSchema.optional(),
    eventMetadata: EventMetadataFilterSchema.optional(),
    startDate: z.iso.datetime({ offset: true }).optional(),
    endDate: z.iso.datetime({ offset: true }).optional(),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(20),
    actor: z.string().optional(),
  })
  .superRefine((query, ctx) => {
    if (!query.startDate || !query.endDate) return;
    const start = new Date(query.startDate);
    const end = new Date(query.endDate);
    const latest = new Date(start);
    latest.setUTCMonth(latest.getUTCMonth() + 3);
    if (end < start) ctx.addIssue({ code: "custom", path: ["endDate"], message: END_BEFORE_START_MESSAGE });
    if (end > latest) ctx.addIssue({ code: "custom", path: ["endDate"], message: THREE_MONTHS_MESSAGE });
  });

export type AuditLogQuery = z.output<typeof AuditLogQuerySchema>;

export const AuditLogResponseSchema = z.object({
  auditLogs: z.array(
    z.object({
      id: z.string(),
      ipAddress: z.string().nullable(),
      userAgent: z.string().nullable(),
      userAgentType: z.string().nullable(),
      expiresAt: z.date().nullable(),
      createdAt: z.date(),
      updatedAt: z.date(),
      orgId: z.string().nullable(),
      projectId: z.string().nullable(),
      projectName: z.string().nullable(),
      event: z.object({ type: z.string(), metadata: z.record(z.string(), z.unknown()).nullable() }),
      actor: z.object({ type: z.string(), metadata: z.record(z.string(), z.unknown()) }),
    }),
  ),
});
