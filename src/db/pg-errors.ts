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
