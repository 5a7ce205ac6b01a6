import { randomInt } from "node:crypto";
import Handlebars from "handlebars";
import { BadRequestError } from "../../lib/errors.js";
import { errorMessage, redactWords } from "./connection-error.js";

// The one place templates are rendered (statements of leases.md §5.1–5.2, username templates §6):
// an isolated Handlebars instance with the helpers the save-time check accepts, so whatever passes
// validation also renders (D11). Unknown variables render empty, as in Handlebars.

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters drawn uniformly from `charset` with a CSPRNG. */
export function randomString(length: number, charset = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += charset[randomInt(charset.length)];
  return out;
}

const engine = Handlebars.create();
engine.registerHelper("random", (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 100 ? randomString(n) : ""));
engine.registerHelper("truncate", (text: unknown, n: unknown) => {
  const s = String(text ?? "");
  return typeof n === "number" && n > 0 ? s.slice(0, n) : s;
});
// A literal replacement, not a regular expression: a template author must not be able to hold the
// event loop with a catastrophic pattern (Infisical uses RE2; see README).
engine.registerHelper("replace", (text: unknown, pattern: unknown, replacement: unknown) =>
  typeof pattern === "string" && pattern !== "" ? String(text ?? "").split(pattern).join(String(replacement ?? "")) : String(text ?? ""),
);
engine.registerHelper("uppercase", (text: unknown) => String(text ?? "").toUpperCase());
engine.registerHelper("lowercase", (text: unknown) => String(text ?? "").toLowerCase());

/** Renders a template; `escape` applies Handlebars' HTML escaping (revoke/renew statements, usernames). */
export function renderTemplate(template: string, context: Record<string, unknown>, options: { escape: boolean }): string {
  return engine.compile(template, { noEscape: !options.escape, strict: false })(context);
}

/** A rendered statement list split on `;`, blank fragments dropped. */
export function renderStatements(template: string, context: Record<string, unknown>, options: { escape: boolean }): string[] {
  return renderTemplate(template, context, options)
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

// Passwords (leases.md §5.1, D33): only characters that need no quoting inside a SQL string
// literal, a Redis ACL rule or a JSON body.
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
export const SAFE_SYMBOLS = "-_.~!*";

export type PasswordRequirements = {
  length: number;
  required: { lowercase: number; uppercase: number; digits: number; symbols: number };
  allowedSymbols?: string;
};

export const DEFAULT_PASSWORD_REQUIREMENTS: PasswordRequirements = {
  length: 48,
  required: { lowercase: 1, uppercase: 1, digits: 1, symbols: 0 },
  allowedSymbols: SAFE_SYMBOLS,
};

/**
 * `required.<class>` characters of each class, the rest from the classes with a required count
 * > 0, shuffled. Symbols outside SAFE_SYMBOLS are never used (D33); with nothing required the
 * rest comes from letters and digits (Infisical answers 500 there).
 */
export function generatePassword(req: PasswordRequirements = DEFAULT_PASSWORD_REQUIREMENTS): string {
  const symbols = [...new Set(req.allowedSymbols || SAFE_SYMBOLS)].filter((c) => SAFE_SYMBOLS.includes(c)).join("") || SAFE_SYMBOLS;
  const classes = [
    { chars: LOWER, count: Math.floor(req.required.lowercase) },
    { chars: UPPER, count: Math.floor(req.required.uppercase) },
    { chars: DIGITS, count: Math.floor(req.required.digits) },
    { chars: symbols, count: Math.floor(req.required.symbols) },
  ];
  const chars: string[] = [];
  for (const c of classes) for (let i = 0; i < c.count; i += 1) chars.push(c.chars[randomInt(c.chars.length)]!);
  const pool = classes.filter((c) => c.count > 0).map((c) => c.chars).join("") || LOWER + UPPER + DIGITS;
  while (chars.length < Math.floor(req.length)) chars.push(pool[randomInt(pool.length)]!);
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

/** Redis, RabbitMQ (leases.md §5.2–5.3): 64 characters of [A-Za-z0-9-_.~!*]. */
export const generateLongPassword = () => randomString(64, LOWER + UPPER + DIGITS + SAFE_SYMBOLS);

/** A provider's lease failure (leases.md §5): 400 `Failed to <action> lease from provider: …`, credentials redacted. */
export function leaseFailed(action: "create" | "revoke" | "renew", err: unknown, tokens: readonly (string | undefined)[]): BadRequestError {
  if (err instanceof BadRequestError) return err;
  return new BadRequestError(`Failed to ${action} lease from provider: ${redactWords(errorMessage(err), tokens)}`);
}
