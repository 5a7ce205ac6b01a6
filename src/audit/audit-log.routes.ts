import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { AuditLogQuerySchema, AuditLogResponseSchema } from "./audit-log.schemas.js";
import type { AuditLogService } from "./audit-log.service.js";

export function auditLogRoutes({ service }: { service: AuditLogService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/organization/audit-logs",
      {
        config: { auth: true },
        schema: {
          tags: ["Audit Logs"],
          summary: "List audit events",
          description:
            "Lists the organization's audit events, newest first, filterable by project, environment, actor, " +
            "event type, secret path, event metadata (`k1=v1,k2=v2`) and a date range within 3 months. Event " +
            "metadata never contains secret values.",
          querystring: AuditLogQuerySchema,
          response: { 200: AuditLogResponseSchema },
        },
      },
      async (request) => ({ auditLogs: await service.list(request.actor, request.query) }),
    );
  };
}
