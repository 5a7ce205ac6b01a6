import { z } from "zod";

// Zod fragments shared by several providers (composed with .extend()).

/** Plain `number` as in Infisical: no coercion, no integer or range check. */
export const port = () => z.number();
export const trimmed = () => z.string().trim();
export const required = () => z.string().trim().min(1);

export const GatewayFields = {
  gatewayId: z.string().nullable().optional(),
  gatewayPoolId: z.string().nullable().optional(),
};

const RequiredCharactersSchema = z
  .object({
    lowercase: z.number().min(0),
    uppercase: z.number().min(0),
    digits: z.number().min(0),
    symbols: z.number().min(0),
  })
  .refine((r) => r.lowercase + r.uppercase + r.digits + r.symbols <= 250, {
    message: "Sum of required characters cannot exceed 250",
  });

/** SQL-style password requirements (sql-database, vertica, clickhouse, azure-sql-database). */
export const PasswordRequirementsSchema = z
  .object({
    length: z.number().min(1).max(250),
    required: RequiredCharactersSchema,
    allowedSymbols: z.string().optional(),
  })
  .refine((p) => p.required.lowercase + p.required.uppercase + p.required.digits + p.required.symbols <= p.length, {
    message: "Sum of required characters cannot exceed the total length",
  });

/** host/port/username/password with Infisical's SQL-family trimming (host lower-cased). */
export const SqlConnectionFields = {
  host: z.string().trim().toLowerCase(),
  port: port(),
  username: trimmed(),
  password: trimmed(),
};

export const StatementFields = {
  creationStatement: trimmed(),
  revocationStatement: trimmed(),
  renewStatement: trimmed().optional(),
};

export const TlsFields = {
  ca: z.string().optional(),
  sslRejectUnauthorized: z.boolean().default(true),
};

/** Infisical stores the first resolved address as `hostIp`; we store the host (see README). */
export function withHostIp<T extends { host: string }>(inputs: T): T & { hostIp: string } {
  return { ...inputs, hostIp: inputs.host };
}
