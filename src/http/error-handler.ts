import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import {
  AppError,
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../lib/errors.js";
import { isNulCharacter, isOutOfRange, isStringTooLong } from "../db/pg-errors.js";
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

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new NotFoundError(`Route ${request.method}:${request.url.split("?")[0]} not found`)),
  );
}

/**
 * HTTP the parser rejects before Fastify has a request (a malformed request line, headers over the
 * limit, a request timeout) still answers an envelope with a generated request id (D14, D15).
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, error, message] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "RequestHeaderFieldsTooLarge", "Request header fields are too large"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "RequestTimeout", "The request was not received in time"]
        : [400, "BadRequest", "Malformed HTTP request"];
  const reqId = generateRequestId();
  const body = JSON.stringify(envelope(reqId, status, message, error));
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${reqId}\r\n\r\n${body}`,
  );
}
