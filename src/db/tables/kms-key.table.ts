import type { Bytes, Timestamps } from "./common.js";

export type ProjectDataKeysTable = Timestamps & {
  project_id: string;
  wrapped_key: Bytes;
  root_key_id: string;
};
