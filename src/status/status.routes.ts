import { sql } from "kysely";
import { z } from "zod";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Db } from "../db/database.js";
import { ServiceUnavailableError } from "../lib/errors.js";

const StatusResponseSchema = z.object({
  date: z.date(),
  message: z.literal("Ok"),
  database: z.literal("ok"),
  emailConfigured: z.boolean(),
  inviteOnlySignup: z.boolean(),
  redisConfigured: z.boolean(),
  secretScanningConfigured: z.boolean(),
  auditLogStorageDisabled: z.boolean(),
});

export function statusRoutes({ db }: { db: Db }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/status",
      {
        schema: {
          tags: ["status"],
          summary: "Health check",
          description:
            "Answers 200 with `message: \"Ok\"` while the database answers a query, 503 otherwise. Not " +
            "rate-limited; needs no token.",
          response: { 200: StatusResponseSchema },
        },
        config: { rateLimit: false },
      },
      async () => {
        try {
          await sql`SELECT 1`.execute(db);
        } catch (err) {
          throw new ServiceUnavailableError(undefined, { cause: err });
        }
        return {
          date: new Date(),
          message: "Ok" as const,
          database: "ok" as const,
          emailConfigured: false,
          inviteOnlySignup: false,
          redisConfigured: false,
          secretScanningConfigured: false,
          auditLogStorageDisabled: false,
        };
      },
    );
  };
}
