import { z } from "zod";

// Universal Auth request/response schemas.

const MAX_TTL_SECONDS = 315_360_000;
/** Counters are PostgreSQL `integer` columns: a larger value could only fail at write time (a 500). */
const MAX_INT4 = 2_147_483_647;

const TrustedIpInputSchema = z.object({ ipAddress: z.string().trim() });
const TrustedIpSchema = z.object({ ipAddress: z.string(), type: z.enum(["ipv4", "ipv6"]), prefix: z.number() });
const DEFAULT_IPS = [{ ipAddress: "0.0.0.0/0" }, { ipAddress: "::/0" }];

export const IdentityIdParamsSchema = z.object({ identityId: z.string().trim() });

const UniversalAuthFields = {
  clientSecretTrustedIps: z.array(TrustedIpInputSchema).min(1),
  accessTokenTrustedIps: z.array(TrustedIpInputSchema).min(1),
  accessTokenTTL: z.number().int().min(0).max(MAX_TTL_SECONDS),
  accessTokenMaxTTL: z.number().int().min(0).max(MAX_TTL_SECONDS),
  accessTokenNumUsesLimit: z.number().int().min(0).max(MAX_INT4),
  accessTokenPeriod: z.number().int().min(0).max(MAX_INT4),
  lockoutEnabled: z.boolean(),
  lockoutThreshold: z.number().int().min(1).max(30),
  lockoutDurationSeconds: z.number().int().min(30).max(86_400),
  lockoutCounterResetSeconds: z.number().int().min(5).max(3_600),
};

export const AttachUniversalAuthBodySchema = z
  .object({
    clientSecretTrustedIps: UniversalAuthFields.clientSecretTrustedIps.default(DEFAULT_IPS),
    accessTokenTrustedIps: UniversalAuthFields.accessTokenTrustedIps.default(DEFAULT_IPS),
    accessTokenTTL: UniversalAuthFields.accessTokenTTL.default(2_592_000),
    accessTokenMaxTTL: UniversalAuthFields.accessTokenMaxTTL.default(2_592_000),
    accessTokenNumUsesLimit: UniversalAuthFields.accessTokenNumUsesLimit.default(0),
    accessTokenPeriod: UniversalAuthFields.accessTokenPeriod.default(0),
    lockoutEnabled: UniversalAuthFields.lockoutEnabled.default(true),
    lockoutThreshold: UniversalAuthFields.lockoutThreshold.default(3),
    lockoutDurationSeconds: UniversalAuthFields.lockoutDurationSeconds.default(300),
    lockoutCounterResetSeconds: UniversalAuthFields.lockoutCounterResetSeconds.default(30),
  })
  .refine((body) => body.accessTokenTTL <= body.accessTokenMaxTTL, {
    message: "Access Token TTL cannot be greater than Access Token Max TTL.",
  });
export type AttachUniversalAuthBody = z.infer<typeof AttachUniversalAuthBodySchema>;

/** PATCH: every field optional; absent keeps the stored value. */
export const UpdateUniversalAuthBodySchema = z.object(UniversalAuthFields).partial();
export type UpdateUniversalAuthBody = z.infer<typeof UpdateUniversalAuthBodySchema>;

export const UniversalAuthSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  accessTokenTTL: z.number(),
  accessTokenMaxTTL: z.number(),
  accessTokenNumUsesLimit: z.number(),
  clientSecretTrustedIps: z.array(TrustedIpSchema),
  accessTokenTrustedIps: z.array(TrustedIpSchema),
  accessTokenPeriod: z.number(),
  lockoutEnabled: z.boolean(),
  lockoutThreshold: z.number(),
  lockoutDurationSeconds: z.number(),
  lockoutCounterResetSeconds: z.number(),
  identityId: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const CreateClientSecretBodySchema = z.object({
  description: z.string().trim().default(""),
  numUsesLimit: z.number().int().min(0).max(MAX_INT4).default(0),
  ttl: z.number().int().min(0).max(MAX_TTL_SECONDS).default(0),
});

export const ClientSecretDataSchema = z.object({
  id: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  description: z.string(),
  clientSecretPrefix: z.string(),
  clientSecretNumUses: z.number(),
  clientSecretNumUsesLimit: z.number(),
  clientSecretTTL: z.number(),
  identityUAId: z.string(),
  isClientSecretRevoked: z.boolean(),
});

export const ClientSecretParamsSchema = z.object({ identityId: z.string().trim(), clientSecretId: z.string().trim() });

export const LoginBodySchema = z.object({
  clientId: z.string().trim(),
  clientSecret: z.string().trim(),
  subOrganizationName: z.string().optional(),
});

export const TokenGrantSchema = z.object({
  accessToken: z.string(),
  expiresIn: z.number(),
  accessTokenMaxTTL: z.number(),
  tokenType: z.literal("Bearer"),
});

export const AccessTokenBodySchema = z.object({ accessToken: z.string().trim() });
