import ms from "ms";
import { z } from "zod";
import { BadRequestError } from "./errors.js";

// One TTL rule for every dynamic-secret body (create and PATCH): an `ms` duration between one
// minute and ten years, both inclusive, with Infisical's exact messages. Unlike Infisical, a string
// `ms` cannot parse ("" included) is an issue, not a silently stored value (D9).

export const MIN_TTL_MS = 60_000;
export const MAX_TTL_MS = 315_576_000_000; // ms("10y"): a year is 365.25 days

export const TTL_INVALID = "TTL must be a valid duration";
export const TTL_TOO_SHORT = "TTL must be a greater than 1min";
export const TTL_TOO_LONG = "TTL must be less than 10 years";
export const DEFAULT_TTL_ABOVE_MAX = "Default TTL cannot be greater than max TTL";

/** Milliseconds of an `ms` duration string, or undefined when `ms` cannot parse it. */
export function ttlToMs(value: string): number | undefined {
  if (value.length === 0 || value.length > 100) return undefined;
  try {
    const parsed = ms(value as ms.StringValue) as unknown;
    return typeof parsed === "number" && Number.isFinite(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The issue message for a TTL string, or undefined when it is acceptable. */
export function ttlIssue(value: string): string | undefined {
  const millis = ttlToMs(value);
  if (millis === undefined) return TTL_INVALID;
  if (millis < MIN_TTL_MS) return TTL_TOO_SHORT;
  if (millis > MAX_TTL_MS) return TTL_TOO_LONG;
  return undefined;
}

export const TtlSchema = z.string().superRefine((value, ctx) => {
  const message = ttlIssue(value);
  if (message) ctx.addIssue({ code: "custom", message });
});

/**
 * D10: after merging a PATCH with the stored values, the default TTL may not exceed the max TTL.
 * Values that do not parse (rows written before D9) are not compared.
 */
export function assertDefaultWithinMax(defaultTTL: string, maxTTL: string | null): void {
  if (maxTTL === null) return;
  const def = ttlToMs(defaultTTL);
  const max = ttlToMs(maxTTL);
  if (def !== undefined && max !== undefined && def > max) throw new BadRequestError(DEFAULT_TTL_ABOVE_MAX);
}
