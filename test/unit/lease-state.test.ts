import { describe, expect, test } from "vitest";
import {
  afterFailedRevocation,
  assertRenewable,
  failureDetails,
  isVisible,
  LEASE_BEING_REVOKED,
  LEASE_EXPIRED,
  retryDelayMs,
  staleCreatingAfterMs,
} from "../../src/leases/lease.state.js";
import { generatePassword, SAFE_SYMBOLS } from "../../src/lib/random.js";
import { renderStatements } from "../../src/dynamic-secrets/templates/render.js";
import { leaseUsername, toSafeUsername, UNSAFE_USERNAME } from "../../src/leases/username.js";

const now = new Date("2026-12-01T08:00:00Z");
const later = new Date(now.getTime() + 60_000);

describe("lease state machine", () => {
  test.each([
    [null, later, undefined],
    [null, now, LEASE_EXPIRED],
    ["creating", later, LEASE_BEING_REVOKED],
    ["Failed to delete", later, LEASE_BEING_REVOKED],
  ])("renew of status %s expiring %s → %s (D28)", (status, expireAt, message) => {
    const run = () => assertRenewable({ status, expireAt }, now);
    if (message) expect(run).toThrow(message);
    else expect(run).not.toThrow();
  });

  test.each([
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [10, 2_560_000],
    [11, 3_600_000],
    [100, 3_600_000],
  ])("retry after %i failed attempts: %i ms (D27: 5 s doubling, capped at 1 h)", (attempts, ms) => {
    expect(retryDelayMs(attempts)).toBe(ms);
  });

  test("a failed revocation: status, details cut to 255 after composing, attempts + 1", () => {
    const next = afterFailedRevocation(2, `Failed to revoke lease from provider: ${"x".repeat(400)}`);
    expect(next).toMatchObject({ status: "Failed to delete", revokeAttempts: 3, retryInMs: 20_000 });
    expect(next.statusDetails).toHaveLength(255);
    expect(failureDetails("short")).toBe("short");
  });

  test("creating rows are invisible; stale after twice the provider timeout (D25)", () => {
    expect(isVisible({ status: "creating" })).toBe(false);
    expect(isVisible({ status: null })).toBe(true);
    expect(isVisible({ status: "Failed to delete" })).toBe(true);
    expect(staleCreatingAfterMs(10_000)).toBe(20_000);
  });
});

describe("credentials and templates (leases.md §5.1, §6, D33)", () => {
  test("default password: 48 letters and digits with each class present", () => {
    for (let i = 0; i < 20; i += 1) {
      const pw = generatePassword();
      expect(pw).toMatch(/^[A-Za-z0-9]{48}$/);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
    }
  });

  test("symbols that would need quoting are never used; nothing required still gives a password", () => {
    const pw = generatePassword({ length: 40, required: { lowercase: 0, uppercase: 0, digits: 0, symbols: 40 }, allowedSymbols: `'";\\$-` });
    expect(pw).toMatch(/^-{40}$/);
    expect(generatePassword({ length: 12, required: { lowercase: 0, uppercase: 0, digits: 0, symbols: 0 } })).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(SAFE_SYMBOLS).toBe("-_.~!*");
  });

  test("statements: rendered, split on ';', blanks dropped; helpers registered", () => {
    expect(renderStatements(`CREATE ROLE "{{username}}"; ;GRANT x TO "{{username}}";`, { username: "u1" }, { escape: false })).toEqual([
      'CREATE ROLE "u1"',
      'GRANT x TO "u1"',
    ]);
    expect(renderStatements("{{truncate username 2}}", { username: "abcdef" }, { escape: true })).toEqual(["ab"]);
  });

  test("usernames: random by default, templates rendered and checked (L34, L35)", () => {
    expect(leaseUsername({ template: null, identityName: "x", secret: { name: "s", type: "t" } })).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(leaseUsername({ template: "{{identity.name}}_{{random 4}}", identityName: "ci-runner", secret: { name: "s", type: "t" } })).toMatch(
      /^ci_runner_[0-9A-Za-z]{4}$/,
    );
    expect(() => leaseUsername({ template: '{{replace identity.name "_" "."}}', identityName: "a_b", secret: { name: "s", type: "t" } })).toThrow(
      UNSAFE_USERNAME,
    );
    expect(toSafeUsername("")).toBe("inf_user");
    expect(toSafeUsername("my-secret", true)).toBe("my-secret");
  });
});
