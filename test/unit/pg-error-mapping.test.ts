import { describe, expect, test } from "vitest";
import { NUL_CHARACTER_MESSAGE, OUT_OF_RANGE_MESSAGE, toAppError, VALUE_TOO_LONG_MESSAGE } from "../../src/http/error-handler.js";
import { ServiceUnavailableError, ValidationError } from "../../src/lib/errors.js";

// PostgreSQL data errors a caller's value causes become a 422; any other driver error stays unmapped (a 500).

describe("toAppError on PostgreSQL data errors", () => {
  test.each([
    ["22001", VALUE_TOO_LONG_MESSAGE],
    ["22021", NUL_CHARACTER_MESSAGE],
    ["22P05", NUL_CHARACTER_MESSAGE],
    ["22003", OUT_OF_RANGE_MESSAGE],
    ["22008", OUT_OF_RANGE_MESSAGE],
  ])("%s → 422 %s", (code, message) => {
    const mapped = toAppError(Object.assign(new Error("db"), { code }));
    expect(mapped).toBeInstanceOf(ValidationError);
    expect(mapped).toMatchObject({ status: 422, errorField: "ValidationFailure", issues: message });
  });

  test.each(["23505", "23503", "40001", "57014", "XX000", undefined])("%s → unmapped", (code) => {
    expect(toAppError(Object.assign(new Error("db"), { code }))).toBeUndefined();
  });
});

// Issue 14: a lost or unobtainable database connection is a 503, whatever the driver said.
describe("toAppError on connection loss", () => {
  const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
  test.each([
    ["57P01 admin_shutdown", err("terminating connection due to administrator command", "57P01")],
    ["57P02 crash_shutdown", err("terminating connection due to crash of another server process", "57P02")],
    ["57P03 cannot_connect_now", err("the database system is starting up", "57P03")],
    ["08006 connection_failure", err("connection failure", "08006")],
    ["08P01 protocol_violation", err("protocol violation", "08P01")],
    ["ECONNREFUSED", err("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["ECONNRESET", err("read ECONNRESET", "ECONNRESET")],
    ["ETIMEDOUT", err("connect ETIMEDOUT", "ETIMEDOUT")],
    ["socket closed", err("Connection terminated unexpectedly")],
    ["pool connect timeout", err("timeout exceeded when trying to connect")],
    ["connect timeout", err("Connection terminated due to connection timeout")],
    ["dead client reused", err("Client has encountered a connection error and is not queryable")],
    ["dual-stack refusal", new AggregateError([err("connect ECONNREFUSED ::1:5432", "ECONNREFUSED"), err("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")])],
  ])("%s → 503 ServiceUnavailable, the database is unavailable, nothing internal", (_name, error) => {
    const mapped = toAppError(error);
    expect(mapped).toBeInstanceOf(ServiceUnavailableError);
    expect(mapped).toMatchObject({ status: 503, errorField: "ServiceUnavailable", message: "The database is unavailable; try again shortly" });
  });

  test.each([
    ["57014 query_canceled", err("canceling statement due to statement timeout", "57014")],
    ["a mixed AggregateError", new AggregateError([err("x", "ECONNREFUSED"), err("y")])],
    ["an empty AggregateError", new AggregateError([])],
  ])("%s → unmapped", (_name, error) => {
    expect(toAppError(error)).toBeUndefined();
  });
});
