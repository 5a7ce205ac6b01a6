import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { parse } from "yaml";

// No Docker engine runs here: these pin what the Dockerfile and compose file promise (README,
// "Docker"); .ci/production-install runs the runtime stage's file set for real.
const ROOT = path.resolve(import.meta.dirname, "../..");
const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
const compose = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));

test("Dockerfile: build stage, then a runtime on an LTS Node with production dependencies only, as a non-root user", () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  expect(stages.length).toBeGreaterThanOrEqual(2);
  const runtime = stages.at(-1)!;
  // An even Node major ≥ 24 (LTS lines), not a moving "latest".
  expect(Number(runtime.match(/^node:(\d+)-/)?.[1])).toBeGreaterThanOrEqual(24);
  expect(Number(runtime.match(/^node:(\d+)-/)?.[1]) % 2).toBe(0);
  expect(runtime).toMatch(/npm ci --omit=dev/);
  expect(runtime).toMatch(/COPY --from=\w+ \/app\/dist/);
  expect(runtime).not.toMatch(/COPY (src|tsconfig)/);
  expect(runtime).toMatch(/^USER node$/m);
  expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
  expect(runtime).toMatch(/^ENV .*DATA_DIR=\/data/m);
  expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/api\/status/m);
  // node itself is PID 1 (exec form), so SIGTERM reaches the server's handler.
  expect(runtime).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
});

test("compose: no password in the file, a healthy database first, an app health check, restarts", () => {
  const { postgres, app } = compose.services;
  const secrets = [postgres.environment.POSTGRES_PASSWORD, app.environment.DATABASE_URL, app.environment.ROOT_ENCRYPTION_KEY, app.environment.AUTH_SECRET];
  for (const value of secrets) expect(value).toMatch(/\$\{[A-Z_]+:\?[^}]+\}/);
  expect(app.environment.DATABASE_URL).toMatch(/^postgres:\/\/postgres:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\//);
  expect(app.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  expect(app.restart).toBe("unless-stopped");
  expect(postgres.restart).toBe("unless-stopped");
  expect(app.healthcheck.test.join(" ")).toContain("/api/status");
  expect(postgres.healthcheck.test.join(" ")).toContain("pg_isready");
});
