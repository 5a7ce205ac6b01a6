import { createHmac } from "node:crypto";
import { z } from "zod";
import { BadRequestError } from "../../lib/errors.js";
import { defineProvider } from "./provider.js";

// TOTP needs no network: the connection test always passes.

function hasSecretParameter(value: string): boolean {
  try {
    return Boolean(new URL(value).searchParams.get("secret"));
  } catch {
    // Not a URL: the url check already reported it (Infisical answers 500 here; we answer 422).
    return true;
  }
}

const UrlConfigSchema = z.object({
  configType: z.literal("url"),
  url: z.string().trim().min(1).url().refine(hasSecretParameter, "OTP URL must contain secret field"),
});

const ManualConfigSchema = z.object({
  configType: z.literal("manual"),
  secret: z
    .string()
    .trim()
    .min(1)
    .overwrite((s) => s.replace(/\s+/g, "")),
  period: z.number().optional(),
  algorithm: z.enum(["sha1", "sha256", "sha512"]).optional(),
  digits: z.number().optional(),
});

export const TotpInputsSchema = z.discriminatedUnion("configType", [UrlConfigSchema, ManualConfigSchema]);

type TotpInputs = z.output<typeof TotpInputsSchema>;
type TotpParams = { secret: string; period: number; digits: number; algorithm: "sha1" | "sha256" | "sha512" };

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(input: string): Buffer {
  const clean = input.toUpperCase().replace(/=+$/, "");
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new BadRequestError("Failed to create lease from provider: Invalid base32 secret");
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function paramsOf(inputs: TotpInputs): TotpParams {
  const num = (v: unknown, fallback: number) => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : fallback);
  if (inputs.configType === "manual") {
    return { secret: inputs.secret, period: num(inputs.period, 30), digits: num(inputs.digits, 6), algorithm: inputs.algorithm ?? "sha1" };
  }
  const params = new URL(inputs.url).searchParams;
  const algorithm = (params.get("algorithm") ?? "sha1").toLowerCase();
  return {
    secret: params.get("secret") ?? "",
    period: num(Number(params.get("period") ?? 30), 30),
    digits: num(Number(params.get("digits") ?? 6), 6),
    algorithm: algorithm === "sha256" || algorithm === "sha512" ? algorithm : "sha1",
  };
}

/** RFC 6238 (HOTP of RFC 4226 over the time step) at `nowMs`: the code and the seconds left in its step. */
export function totpAt(p: TotpParams, nowMs: number): { code: string; timeRemaining: number } {
  const seconds = Math.floor(nowMs / 1000);
  const counter = Math.floor(seconds / p.period);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac(p.algorithm, base32Decode(p.secret)).update(message).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  const binary = (hmac.readUInt32BE(offset) & 0x7fffffff) % 10 ** Math.min(p.digits, 10);
  return { code: String(binary).padStart(p.digits, "0"), timeRemaining: p.period - (seconds % p.period) };
}

export const totpProvider = defineProvider({
  type: "totp",
  inputsSchema: TotpInputsSchema,
  secretFields: [],
  sensitiveFields: ["secret", "url"],
  async validateConnection() {},
  // No target: the lease is a code fetch; revoke and renew have nothing to do (Infisical parity).
  targetFields: [],
  leaseEntityId: "random",
  async create({ inputs }) {
    const { code, timeRemaining } = totpAt(paramsOf(inputs), Date.now());
    return { data: { TOTP: code, TIME_REMAINING: timeRemaining } };
  },
  async revoke() {},
});
