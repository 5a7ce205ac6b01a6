import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { registerAuth, settlePendingAuth } from "./auth/auth.plugin.js";
import { authRoutes } from "./auth/auth.routes.js";
import { bootstrapRoutes } from "./auth/bootstrap.routes.js";
import { universalAuthRoutes } from "./auth/universal-auth.routes.js";
import type { Container } from "./container.js";
import { handleClientError, registerErrorHandling, sendError } from "./http/error-handler.js";
import { registerJsonBodyParser } from "./http/json-body.js";
import { registerProjectRouteAliases } from "./http/project-route-aliases.js";
import { registerOpenApi } from "./http/openapi.js";
import { registerRateLimit } from "./http/rate-limit.js";
import { trustProxyOption } from "./http/request-context.js";
import { serializerCompiler, validatorCompiler } from "./http/zod.js";
import { BadRequestError, NotFoundError } from "./lib/errors.js";
import { generateRequestId } from "./lib/request-id.js";
import { identityRoutes } from "./identities/identity.routes.js";
import { observeWithoutHooks, registerMetrics } from "./metrics/metrics.routes.js";
import { environmentRoutes } from "./projects/environment.routes.js";
import { projectRoutes } from "./projects/project.routes.js";
import { membershipRoutes } from "./projects/membership.routes.js";
import { privilegeRoutes } from "./projects/privilege.routes.js";
import { roleRoutes } from "./projects/role.routes.js";
import { statusRoutes } from "./status/status.routes.js";
import { auditLogRoutes } from "./audit/audit-log.routes.js";
import { dynamicSecretRoutes } from "./dynamic-secrets/dynamic-secret.routes.js";
import { leaseRoutes } from "./leases/lease.routes.js";

export type BuildAppOptions = {
  container: Container;
  /** pino options or false; tests pass false. */
  logger?: FastifyServerOptions["logger"];
};

// Tests and the e2e servers log with the same redaction as the server.
export { LOG_REDACT_PATHS } from "./logger.js";

export async function buildApp({ container, logger = false }: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = container;
  const app = Fastify({
    logger: logger === false ? false : logger,
    genReqId: generateRequestId,
    trustProxy: trustProxyOption(config.trustProxy),
    requestIdHeader: false,
    bodyLimit: 1_048_576,
    // A request (headers and body) must arrive within REQUEST_TIMEOUT_MS (408 envelope, then the
    // connection closes); idle keep-alive connections close after KEEP_ALIVE_TIMEOUT_MS. Node checks
    // the deadline every connectionsCheckingInterval (default 30 s), and enforces it on the body only
    // when given to the server's constructor (`http`), not when set afterwards as Fastify does.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(config.requestTimeoutMs / 4))),
    },
    clientErrorHandler: handleClientError,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 100 },
    // Errors the router raises before any route runs still answer the envelope (D14): a path
    // parameter over 100 characters matches no route (404); malformed percent-encoding is a 400.
    frameworkErrors: (err, request, reply) => {
      // No hook runs for these: the metrics hear of them here.
      if (config.metricsEnabled) observeWithoutHooks(container.metrics, request, reply);
      return sendError(
        request,
        reply,
        err.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? new NotFoundError(`Route ${request.method}:${request.url.split("?")[0]} not found`)
          : new BadRequestError(err.message),
      );
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, settlePendingAuth(container.authService));
  registerJsonBodyParser(app);
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  if (config.metricsEnabled) registerMetrics(app, container.metrics);

  // OpenAPI at /api/docs/json, Swagger UI at /api/docs (security and error responses derived per route).
  await registerOpenApi(app);

  if (config.rateLimit.enabled) await registerRateLimit(app, config);

  // Before every route: routes with `config.auth` get request.actor (or the token error) in onRequest.
  registerAuth(app, { authService: container.authService });
  registerProjectRouteAliases(app);

  await app.register(statusRoutes({ db: container.db }));
  await app.register(bootstrapRoutes(container));
  await app.register(authRoutes(container));
  await app.register(universalAuthRoutes(container));
  await app.register(identityRoutes(container));
  await app.register(projectRoutes(container));
  await app.register(environmentRoutes(container));
  await app.register(roleRoutes(container));
  await app.register(membershipRoutes(container));
  await app.register(privilegeRoutes(container));
  await app.register(
    dynamicSecretRoutes({ service: container.dynamicSecretService, providerSchema: container.providers.providerSchema }),
  );
  await app.register(auditLogRoutes({ service: container.auditLogService }));
  await app.register(leaseRoutes({ service: container.leaseService }));

  return app;
}
