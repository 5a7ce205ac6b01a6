import { createRequire } from "node:module";

// Provider inputs, tokens and passwords never reach a log line.
export const LOG_REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "inputs",
  "*.inputs",
  "*.*.inputs",
  "*.*.*.inputs",
  "password",
  "*.password",
  "clientSecret",
  "*.clientSecret",
  "accessToken",
  "*.accessToken",
];

/**
 * The server's pino options: JSON lines with secrets redacted; pretty only when stdout is a TTY and
 * pino-pretty (a dev dependency) is installed — a production install without it logs JSON, never
 * crashes looking for it.
 */
export function serverLoggerOptions(level: string, isTTY = Boolean(process.stdout.isTTY)) {
  const pretty = isTTY ? resolvePinoPretty() : undefined;
  return {
    level,
    redact: { paths: LOG_REDACT_PATHS, censor: "[REDACTED]" },
    ...(pretty ? { transport: { target: pretty } } : {}),
  };
}

/** The absolute path of pino-pretty as seen from `from`, or undefined when it is not installed. */
export function resolvePinoPretty(from: string = import.meta.url): string | undefined {
  try {
    return createRequire(from).resolve("pino-pretty");
  } catch {
    return undefined;
  }
}
