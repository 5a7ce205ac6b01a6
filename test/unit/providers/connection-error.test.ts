import { describe, expect, test } from "vitest";
import { connectionFailed, redactWords, withTimeout } from "../../../src/dynamic-secrets/transport/connection-error.js";
import { BadRequestError } from "../../../src/lib/errors.js";

describe("redactWords (§4)", () => {
  test.each([
    [`password authentication failed for user "admin"`, ["admin"], `password authentication failed for user "[REDACTED]"`],
    ["Access denied for user 'root'@'localhost' (using password: YES)", ["root", ""], "Access denied for user '[REDACTED]'@'localhost' (using password: YES)"],
    // A short token replaces the same word elsewhere, as in Infisical.
    ["role user for user", ["user"], "role [REDACTED] for [REDACTED]"],
    // Whole words only for tokens shorter than 4 characters…
    ["sample sam", ["sam"], "sample [REDACTED]"],
    // …but a longer secret never survives, even inside other text or with punctuation.
    ["WRONGPASS p@ss!word1 rejected", ["p@ss!word1"], "WRONGPASS [REDACTED] rejected"],
    ["token=abcdef123", ["abcdef123"], "token=[REDACTED]"],
    ["connect ECONNREFUSED 127.0.0.1:6380", [6380], "connect ECONNREFUSED 127.0.0.1:[REDACTED]"],
    ["nothing to hide", [undefined, null, ""], "nothing to hide"],
  ] as const)("%j with %j → %j", (message, tokens, expected) => {
    expect(redactWords(message, tokens)).toBe(expected);
  });
});

describe("connectionFailed", () => {
  test("wraps a driver error in the provider message with credentials redacted", () => {
    const err = connectionFailed(new Error(`password authentication failed for user "admin" (secret hunter2)`), ["admin", "hunter2"]);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.message).toBe(`Failed to connect with provider: password authentication failed for user "[REDACTED]" (secret [REDACTED])`);
  });

  test("uses the inner errors of an AggregateError without a message", () => {
    const err = connectionFailed(new AggregateError([new Error("connect ECONNREFUSED ::1:1"), new Error("connect ECONNREFUSED 127.0.0.1:1")]), []);
    expect(err.message).toBe("Failed to connect with provider: connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1");
  });

  test("passes a BadRequestError (host check) through unchanged", () => {
    const original = new BadRequestError("Private IP addresses (10.0.0.1) are not allowed.");
    expect(connectionFailed(original, [])).toBe(original);
  });
});

describe("withTimeout", () => {
  test("rejects after the timeout and releases the work", async () => {
    let released = false;
    await expect(withTimeout(new Promise(() => {}), 20, () => (released = true))).rejects.toThrow("Connection timed out after 20 ms");
    expect(released).toBe(true);
  });

  test("resolves with the work's value", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
  });
});
