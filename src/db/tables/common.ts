import type { ColumnType, Generated } from "kysely";

// created_at/updated_at are set by defaults and the updated_at trigger, never by code.
export type Timestamps = {
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, never>;
};
export type Id = Generated<string>;
// bytea arrives as Buffer from pg and as Uint8Array from PGlite.
export type Bytes = ColumnType<Uint8Array, Uint8Array, Uint8Array>;
export type Json<T> = ColumnType<T, string, string>;
export type TrustedIp = { ipAddress: string; type: "ipv4" | "ipv6"; prefix: number };
