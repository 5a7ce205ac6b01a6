import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import {
  AppError,
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  RequestHeaderFieldsTooLargeError,
  RequestTimeoutError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../lib/errors.js";
import { isConnectionLost, isNulCharacter, isOutOfRange, isStringTooLong } from "../db/pg-errors.js";
import { generateRequestId } from "../lib/request-id.js";
import { RequestValidationError } from "./zod.js";

// The only place errors become HTTP responses. Every non-2xx answer is the envelope
// {reqId, statusCode, message, error} (+ details), in Infisical's key order.

type Envelope = Record<string, unknown>;

function envelope(reqId: string, status: number, message: unknown, error: string, details?: unknown): Envelope {
  // Infisical's serializers emit `details` before `error` on 403 and after it elsewhere.
  if (details === undefined) return { reqId, statusCode: status, message, error };
  if (status === 403) return { reqId, statusCode: status, message, details, error };
  return { reqId, statusCode: status, message, error, details };
}

/** Fastify's own errors (body parsing, content type, size) translated to our classes. */
const FASTIFY_ERRORS: Record<string, (err: FastifyError) => AppError> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new BadRequestError("Body cannot be empty when content-type is set to 'application/json'"),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new BadRequestError("Body is not valid JSON"),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new PayloadTooLargeError("Request body is larger than 1 MiB"),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new UnsupportedMediaTypeError("Unsupported Media Type: use application/json"),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new BadRequestError("Request body size did not match Content-Length"),
  FST_ERR_CTP_INVALID_TYPE: () => new BadRequestError("Invalid content type"),
};

export const VALUE_TOO_LONG_MESSAGE = "One or more field values exceed the maximum length allowed for this resource";
export const NUL_CHARACTER_MESSAGE = "String must not contain NUL characters";
export const OUT_OF_RANGE_MESSAGE = "One or more field values are out of the range allowed for this resource";

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  // The database went away (restart, failover, a killed session, pool connection timeout). A
  // transaction cut short was rolled back by PostgreSQL; a commit whose answer was lost may or may
  // not have happened: either way 503, never retried here. The cause stays in the log only.
  if (isConnectionLost(err)) return new ServiceUnavailableError(undefined, { cause: err });
  // Values no column can hold are the caller's fault, whichever route wrote them (the write's
  // transaction has rolled back by now): Infisical's newest handler answers 22001 with this 422.
  if (isStringTooLong(err)) return new ValidationError(VALUE_TOO_LONG_MESSAGE);
  if (isNulCharacter(err)) return new ValidationError(NUL_CHARACTER_MESSAGE);
  if (isOutOfRange(err)) return new ValidationError(OUT_OF_RANGE_MESSAGE);
  if (err instanceof RequestValidationError) return new ValidationError(err.issues);
  if (err instanceof ZodError) return new ValidationError(err.issues);
  const fe = err as FastifyError;
  if (fe && typeof fe.code === "string" && FASTIFY_ERRORS[fe.code]) return FASTIFY_ERRORS[fe.code]!(fe);
  return undefined;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  // Also here, not only in onRequest: the router's own errors (frameworkErrors) run before any hook (D15).
  reply.header("x-request-id", request.id);
  const appError = toAppError(err);
  if (!appError) {
    request.log.error({ err }, "unhandled error");
    return reply
      .code(500)
      .type("application/json; charset=utf-8")
      .send(envelope(request.id, 500, "Something went wrong", "InternalServerError"));
  }
  if (appError.status >= 500) request.log.error({ err: appError }, appError.message);
  const message = appError instanceof ValidationError ? appError.issues : appError.message;
  return reply
    .code(appError.status)
    .type("application/json; charset=utf-8")
    .send(envelope(request.id, appError.status, message, appError.errorField, appError.details));
}

/**
 * `beforeError`: a last look at the error before it is answered, returning the error to answer
 * (authentication uses it: see auth.plugin's settlePendingAuth).
 */
export function registerErrorHandling(
  app: FastifyInstance,
  beforeError?: (request: FastifyRequest, err: unknown) => Promise<unknown>,
): void {
  app.setErrorHandler(async (err, request, reply) => sendError(request, reply, beforeError ? await beforeError(request, err) : err));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new NotFoundError(`Route ${request.method}:${request.url.split("?")[0]} not found`)),
  );
}

/** Node's HTTP parser errors, raised before Fastify has a request (D14 still wants the envelope). */
const CLIENT_ERRORS: Record<string, () => AppError> = {
  ERR_HTTP_REQUEST_TIMEOUT: () => new RequestTimeoutError("The request was not received in time"),
  HPE_HEADER_OVERFLOW: () => new RequestHeaderFieldsTooLargeError("Request header fields are too large"),
};

/**
 * Fastify's `clientErrorHandler`: HTTP the parser rejects before Fastify has a request (a request
 * timeout, headers over the limit, a malformed request) still answers an envelope with a generated
 * request id (D14, D15) on the raw socket, which then closes.
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const appError = CLIENT_ERRORS[err.code ?? ""]?.() ?? new BadRequestError("Malformed HTTP request");
  // Never write into a response that has already started on this socket.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const reqId = generateRequestId();
    const body = JSON.stringify(envelope(reqId, appError.status, appError.message, appError.errorField));
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `x-request-id: ${reqId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
