import { randomInt } from "node:crypto";

// Random strings and passwords, always from a CSPRNG.

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters drawn uniformly from `charset` with a CSPRNG. */
export function randomString(length: number, charset = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += charset[randomInt(charset.length)];
  return out;
}

// Passwords (D33): only characters that need no quoting inside a SQL string
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

/** Redis, RabbitMQ: 64 characters of [A-Za-z0-9-_.~!*]. */
export const generateLongPassword = () => randomString(64, LOWER + UPPER + DIGITS + SAFE_SYMBOLS);
