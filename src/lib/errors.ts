// Every failure the API can answer with. The `error` field of the envelope reproduces Infisical's
// values; a few Infisical call sites put a sentence there instead (e.g. "You are not member of this
// project"), which `errorName` allows.
export type ErrorCode =
  | "BadRequest"
  | "UnauthorizedError"
  | "ForbiddenError"
  | "PermissionDenied"
  | "PermissionBoundaryError"
  | "TokenError"
  | "NotFound"
  | "RequestTimeout"
  | "PreconditionFailed"
  | "PayloadTooLarge"
  | "UnsupportedMediaType"
  | "RequestHeaderFieldsTooLarge"
  | "ValidationFailure"
  | "RateLimitExceeded"
  | "ServiceUnavailable"
  | "InternalServerError";

type AppErrorOptions = { errorName?: string; details?: unknown; cause?: unknown };

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  readonly errorName?: string;
  readonly details?: unknown;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errorName = options.errorName;
    this.details = options.details;
  }

  /** The envelope's `error` field. */
  get errorField(): string {
    return this.errorName ?? this.code;
  }
}

export class BadRequestError extends AppError {
  readonly status = 400;
  readonly code = "BadRequest" as const;
  constructor(message = "The request is invalid", options?: AppErrorOptions) {
    super(message, options);
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = "UnauthorizedError" as const;
  constructor(message = "You are not allowed to access this resource", options?: AppErrorOptions) {
    super(message, options);
  }
}

export class ForbiddenRequestError extends AppError {
  readonly status = 403;
  readonly code = "ForbiddenError" as const;
  constructor(message = "You are not allowed to access this resource", options?: AppErrorOptions) {
    super(message, options);
  }
}

/** A CASL denial: `details` carries the actor's rules for that action and subject. */
export class PermissionDeniedError extends AppError {
  readonly status = 403;
  readonly code = "PermissionDenied" as const;
}

export class PermissionBoundaryError extends AppError {
  readonly status = 403;
  readonly code = "PermissionBoundaryError" as const;
}

export class TokenError extends AppError {
  readonly status = 403;
  readonly code = "TokenError" as const;
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = "NotFound" as const;
  constructor(message = "The requested entity is not found", options?: AppErrorOptions) {
    super(message, options);
  }
}

/** The request (headers and body) did not arrive within REQUEST_TIMEOUT_MS. */
export class RequestTimeoutError extends AppError {
  readonly status = 408;
  readonly code = "RequestTimeout" as const;
}

export class PreconditionFailedError extends AppError {
  readonly status = 412;
  readonly code = "PreconditionFailed" as const;
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = "PayloadTooLarge" as const;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = "UnsupportedMediaType" as const;
}

export class RequestHeaderFieldsTooLargeError extends AppError {
  readonly status = 431;
  readonly code = "RequestHeaderFieldsTooLarge" as const;
}

/**
 * 422. `issues` are Zod-style issue objects ({code, path, message, …}); Infisical sends them as the
 * envelope's `message` (an array). A plain string message is allowed for non-schema failures.
 */
export class ValidationError extends AppError {
  readonly status = 422;
  readonly code = "ValidationFailure" as const;
  readonly issues: unknown[] | string;
  constructor(issues: unknown[] | string) {
    super(typeof issues === "string" ? issues : "Validation failed");
    this.issues = issues;
  }
}

export class RateLimitError extends AppError {
  readonly status = 429;
  readonly code = "RateLimitExceeded" as const;
}

export const DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly";

/** 503: the database cannot be reached (or a commit's outcome is unknown); the client may retry. */
export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly code = "ServiceUnavailable" as const;
  constructor(message = DATABASE_UNAVAILABLE_MESSAGE, options?: AppErrorOptions) {
    super(message, options);
  }
}
