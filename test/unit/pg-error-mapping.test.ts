import { describe, expect, test } from "vitest";
import { NUL_CHARACTER_MESSAGE, OUT_OF_RANGE_MESSAGE, toAppError, VALUE_TOO_LONG_MESSAGE } from "../../src/http/error-handler.js";
import { ValidationError } from "../../src/lib/errors.js";

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
