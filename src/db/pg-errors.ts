// PostgreSQL error codes the repositories translate into domain errors.
type PgError = { code?: string; constraint?: string; message?: string };

function pgError(err: unknown): PgError | undefined {
  return typeof err === "object" && err !== null ? (err as PgError) : undefined;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err);
  return e?.code === "23505" && (constraint === undefined || e.constraint === constraint);
}

export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err);
  return e?.code === "23503" && (constraint === undefined || e.constraint === constraint);
}

/** Value too long for a varchar column. */
export function isStringTooLong(err: unknown): boolean {
  return pgError(err)?.code === "22001";
}

/**
 * A NUL character, which PostgreSQL text and jsonb cannot hold: 22021 for text parameters
 * ("invalid byte sequence for encoding UTF8: 0x00"), 22P05 for `\u0000` inside jsonb.
 */
export function isNulCharacter(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code === "22021" || code === "22P05";
}

/** A number or date outside its column's range (numeric_value_out_of_range, datetime_field_overflow). */
export function isOutOfRange(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code === "22003" || code === "22008";
}

// The connection to PostgreSQL is gone or cannot be made: the server shut the session down
// (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now), a class 08 connection
// exception, a refused/reset/timed-out socket, or pg's own messages for a dead or unobtainable
// connection (pool connection timeout, a client used after its socket died). Only our database
// raises these unwrapped: provider drivers' failures become 400s in their provider files.
const CONNECTION_LOST_CODES = new Set(["57P01", "57P02", "57P03", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const CONNECTION_LOST_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
];

export function isConnectionLost(err: unknown): boolean {
  const e = pgError(err);
  if (!e) return false;
  const code = typeof e.code === "string" ? e.code : "";
  if (CONNECTION_LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof e.message === "string" && CONNECTION_LOST_MESSAGES.some((m) => e.message!.startsWith(m))) return true;
  // Dual-stack connects fail with an AggregateError of per-address errors.
  return err instanceof AggregateError && err.errors.length > 0 && err.errors.every(isConnectionLost);
}
