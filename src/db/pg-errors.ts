// PostgreSQL error codes the repositories translate into domain errors.
type PgError = { code?: string; constraint?: string };

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
