import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { AuditLogQuerySchema, AuditLogResponseSchema } from "./audit-log.schemas.js";
import type { AuditLogService } from "./audit-log.service.js";

export function auditLogRoutes({ service }: { service: AuditLogService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/organization/audit-logs",
      {
        config: { auth: true },
        schema: { tags: ["Audit Logs"], querystring: AuditLogQuerySchema, response: { 200: AuditLogResponseSchema } },
      },
      async (request) => ({ auditLogs: await service.list(request.actor, request.query) }),
    );
  };
}
