import { z } from "zod";

// The temporary-access fields that membership roles and additional privileges share: one response
// shape and one row mapping, so the two can never drift apart.

export const TemporaryAccessResponseFields = {
  isTemporary: z.boolean(),
  temporaryMode: z.string().nullable(),
  temporaryRange: z.string().nullable(),
  temporaryAccessStartTime: z.date().nullable(),
  temporaryAccessEndTime: z.date().nullable(),
};

export type TemporaryAccess = {
  isTemporary: boolean;
  temporaryMode: string | null;
  temporaryRange: string | null;
  temporaryAccessStartTime: Date | null;
  temporaryAccessEndTime: Date | null;
};

export function temporaryAccessOf(row: {
  is_temporary: boolean;
  temporary_mode: string | null;
  temporary_range: string | null;
  temporary_access_start_time: Date | null;
  temporary_access_end_time: Date | null;
}): TemporaryAccess {
  return {
    isTemporary: row.is_temporary,
    temporaryMode: row.temporary_mode,
    temporaryRange: row.temporary_range,
    temporaryAccessStartTime: row.temporary_access_start_time,
    temporaryAccessEndTime: row.temporary_access_end_time,
  };
}
