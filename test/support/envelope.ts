import { expect } from "vitest";

/** The error envelope every non-2xx answer must be (D14, D15), for `toEqual`. */
export const envelope = (statusCode: number, error: string, message: unknown, extra: Record<string, unknown> = {}) => ({
  reqId: expect.stringMatching(/^req-[0-9A-Za-z]{14}$/),
  statusCode,
  message,
  error,
  ...extra,
});
