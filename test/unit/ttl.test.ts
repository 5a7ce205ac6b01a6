import { describe, expect, test } from "vitest";
import { assertDefaultWithinMax, MAX_TTL_MS, TtlSchema, ttlIssue, ttlToMs } from "../../src/lib/ttl.js";

describe("TTL rule", () => {
  test.each([
    ["1m", undefined],
    ["60s", undefined],
    ["60000", undefined],
    ["1h", undefined],
    ["10y", undefined],
    ["  2 hours", "TTL must be a valid duration"],
    ["2 hours", undefined],
    ["59s", "TTL must be a greater than 1min"],
    ["30s", "TTL must be a greater than 1min"],
    ["-5m", "TTL must be a greater than 1min"],
    ["0", "TTL must be a greater than 1min"],
    ["11y", "TTL must be less than 10 years"],
    ["3653d", "TTL must be less than 10 years"],
    ["", "TTL must be a valid duration"],
    ["abc", "TTL must be a valid duration"],
    ["1mo", "TTL must be a valid duration"],
    ["1e3", "TTL must be a valid duration"],
    ["1".repeat(101), "TTL must be a valid duration"],
  ])("%j → %s", (value, issue) => {
    expect(ttlIssue(value)).toBe(issue);
  });

  test("ten years is 365.25 days each", () => {
    expect(ttlToMs("10y")).toBe(MAX_TTL_MS);
    expect(MAX_TTL_MS).toBe(10 * 365.25 * 86_400_000);
  });

  test("the schema reports a custom issue with the exact message", () => {
    const result = TtlSchema.safeParse("30s");
    expect(result.success).toBe(false);
    expect(result.error!.issues).toMatchObject([{ code: "custom", message: "TTL must be a greater than 1min", path: [] }]);
    expect(TtlSchema.safeParse("1h").success).toBe(true);
  });

  test.each([
    ["1h", "2h", false],
    ["2h", "2h", false],
    ["3h", "2h", true],
    ["3h", null, false],
    ["abc", "1h", false], // rows stored before D9 are not compared
  ])("default %s within max %s → throws %s", (def, max, throws) => {
    const run = () => assertDefaultWithinMax(def, max);
    if (throws) expect(run).toThrow("Default TTL cannot be greater than max TTL");
    else expect(run).not.toThrow();
  });
});
