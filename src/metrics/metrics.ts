import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

// Prometheus metrics (D40). Labels carry only route templates, methods, status codes and fixed
// states — never a secret, a secret's name, a token or a path parameter's value.

export type PoolStats = { total: number; idle: number; waiting: number; max: number };

/** Label of requests no route matched: the raw URL would let any client mint label values. */
export const UNMATCHED_ROUTE = "(unmatched)";

// Process-wide metrics (CPU, memory, event loop, GC) exist once per process, however many apps it builds.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics({ poolStats }: { poolStats?: () => PoolStats } = {}) {
  /**
   * The application's registry. Other features add their metrics here
   * (`new Gauge({ registers: [metrics.registry], … })`), e.g. a gauge whose `collect()` reads a table.
   */
  const registry = new Registry();
  const labelNames = ["method", "route", "status_code"] as const;
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route template and status code",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving a request to sending its response, by method, route template and status code",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  if (poolStats) {
    new Gauge({
      name: "db_pool_connections",
      help: "PostgreSQL pool connections: total open, idle, and the pool's maximum",
      labelNames: ["state"],
      registers: [registry],
      collect() {
        const s = poolStats();
        this.set({ state: "total" }, s.total);
        this.set({ state: "idle" }, s.idle);
        this.set({ state: "in_use" }, s.total - s.idle);
        this.set({ state: "max" }, s.max);
      },
    });
    new Gauge({
      name: "db_pool_waiting_requests",
      help: "Queries waiting for a free pool connection",
      registers: [registry],
      collect() {
        this.set(poolStats().waiting);
      },
    });
  }

  return {
    registry,
    observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
      const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    contentType: registry.contentType,
    async scrape(): Promise<string> {
      return (await processMetrics().metrics()) + (await registry.metrics());
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
