import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { RateLimitError } from "../lib/errors.js";
import { clientIp } from "./request-context.js";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * D16 rate limiting, per route and per client (D37 address). With REDIS_URL the counters live in
 * Redis and are shared by every replica (D38); without it, in this process.
 */
export async function registerRateLimit(app: FastifyInstance, config: Config): Promise<void> {
  const redis = config.redisUrl ? await connectRedis(app, config.redisUrl) : undefined;
  await app.register(fastifyRateLimit, {
    global: true,
    // As Infisical: after authentication and body parsing, before validation (Appendix C 2), so a
    // request without a token still gets its 401 and a 422 counts.
    hook: "preValidation",
    timeWindow: 60_000,
    max: (request) => (WRITE_METHODS.has(request.method) ? config.rateLimit.writePerMinute : config.rateLimit.readPerMinute),
    keyGenerator: (request) => `${clientIp(request)}|${request.method}|${request.routeOptions.url ?? request.url}`,
    errorResponseBuilder: (_request, context) =>
      new RateLimitError(`Rate limit exceeded. Please try again in ${Math.max(1, Math.ceil(context.ttl / 1000))} seconds`),
    ...(redis ? { redis, nameSpace: "dsapi-rate-limit:", skipOnError: true } : {}),
  });
}

/**
 * A Redis outage never fails or stalls a request (D38): commands are not queued while disconnected
 * (they fail at once and the request is not counted), a command answers within 500 ms or fails,
 * and the client reconnects in the background. One log line when Redis goes away, one when it is back.
 * Start-up waits for the first connection for at most a second, so that a healthy Redis counts the
 * very first requests and a missing one does not hold the server back.
 */
async function connectRedis(app: FastifyInstance, url: string): Promise<Redis> {
  // Loaded only with REDIS_URL (start-up time and memory of single-process servers).
  const { Redis: RedisClient } = await import("ioredis");
  const redis = new RedisClient(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  const where = `${redis.options.host}:${redis.options.port}`;
  let down = false;
  redis.on("error", (err: Error) => {
    if (down) return;
    down = true;
    app.log.warn(`Redis at ${where} is unreachable (${err.message}): rate limits are not counted until it is back`);
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    app.log.info(`Redis at ${where} is reachable again: rate limits are shared across replicas`);
  });
  app.addHook("onClose", async () => {
    redis.disconnect();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => redis.once("ready", resolve)),
    new Promise((resolve) => (timer = setTimeout(resolve, 1_000))),
  ]);
  clearTimeout(timer);
  return redis;
}
