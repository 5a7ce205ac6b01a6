import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Metrics } from "./metrics.js";

/** Counts every response (whatever produced it) and serves GET /metrics in Prometheus text format. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get("/metrics", { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.scrape();
  });
}

/** For responses Fastify sends without running hooks (the router's own errors). */
export function observeWithoutHooks(metrics: Metrics, request: FastifyRequest, reply: FastifyReply): void {
  reply.raw.once("finish", () => metrics.observeRequest(request.method, undefined, reply.statusCode, reply.elapsedTime / 1000));
}
