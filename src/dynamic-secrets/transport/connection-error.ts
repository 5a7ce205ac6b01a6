import { BadRequestError } from "../../lib/errors.js";

// Connection-test failures: 400 `Failed to connect with provider: <driver message>` with every
// credential redacted. Whole words equal to a token become [REDACTED] (Infisical's rule);
// additionally any literal occurrence of a token of 4+ characters is redacted, so a password with
// punctuation never leaks.

export const CONNECT_FAILED_PREFIX = "Failed to connect with provider: ";

type Token = string | number | null | undefined;

export function redactWords(message: string, tokens: readonly Token[]): string {
  const words = new Set(
    tokens.filter((t): t is string | number => t !== null && t !== undefined && String(t) !== "").map(String),
  );
  if (words.size === 0) return message;
  let out = message;
  for (const token of [...words].sort((a, b) => b.length - a.length)) {
    if (token.length >= 4) out = out.split(token).join("[REDACTED]");
  }
  return out
    .split(/(\W+)/)
    .map((part) => (words.has(part) ? "[REDACTED]" : part))
    .join("");
}

/** The useful text of a driver error (AggregateError from dual-stack connects has an empty message). */
export function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && !err.message) {
    return err.errors.map(errorMessage).filter(Boolean).join("; ") || "connection failed";
  }
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

export function connectionFailed(err: unknown, tokens: readonly Token[]): BadRequestError {
  if (err instanceof BadRequestError) return err;
  return new BadRequestError(`${CONNECT_FAILED_PREFIX}${redactWords(errorMessage(err), tokens)}`);
}

export class ConnectionTimeoutError extends Error {
  constructor(ms: number) {
    super(`Connection timed out after ${ms} ms`);
  }
}

/** Races `work` against the connection timeout; `onTimeout` releases whatever `work` holds. */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new ConnectionTimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A provider's lease failure: 400 `Failed to <action> lease from provider: …`, credentials redacted. */
export function leaseFailed(action: "create" | "revoke" | "renew", err: unknown, tokens: readonly (string | undefined)[]): BadRequestError {
  if (err instanceof BadRequestError) return err;
  return new BadRequestError(`Failed to ${action} lease from provider: ${redactWords(errorMessage(err), tokens)}`);
}
