import { z } from "zod";
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

export const totpProvider = defineProvider({
  type: "totp",
  inputsSchema: TotpInputsSchema,
  secretFields: [],
  sensitiveFields: ["secret", "url"],
  async validateConnection() {},
});
