import type { PendingAuth } from "../auth/auth.service.js";
import type { Actor } from "../lib/actor.js";
import type { RequestContext } from "../http/request-context.js";
import type { Inputs, MetadataEntry } from "./patch.js";

/** D7/D29: the secret waits for its leases to be revoked; PATCH, lease create and renew refuse it. */
export const STATUS_DELETING = "Revocation in process";
/** D29: a lease of a secret being deleted could not be revoked; a new DELETE starts again. */
export const STATUS_DELETE_FAILED = "Failed to delete";

/** A dynamic secret as the service sees it (inputs still encrypted). */
export type DynamicSecret = {
  id: string;
  folderId: string;
  name: string;
  version: number;
  type: string;
  defaultTTL: string;
  maxTTL: string | null;
  encryptedInput: Uint8Array;
  status: string | null;
  statusDetails: string | null;
  usernameTemplate: string | null;
  gatewayId: string | null;
  gatewayV2Id: string | null;
  gatewayPoolId: string | null;
  createdAt: Date;
  updatedAt: Date;
  metadata: MetadataEntry[];
};

/** What the API answers: no ciphertext; `inputs` decrypted and redacted, or null without read permission. */
export type DynamicSecretView = Omit<DynamicSecret, "encryptedInput"> & {
  projectGatewayId: null;
  inputs?: unknown;
};

/** Where a dynamic secret lives, as every request names it. */
export type Locator = {
  projectSlug: string;
  environmentSlug: string;
  /** After trim and trailing-slash removal. */
  path: string;
};

export type DynamicSecretPatch = {
  inputs?: Inputs;
  defaultTTL?: string;
  maxTTL?: string | null;
  newName?: string;
  metadata?: MetadataEntry[];
  usernameTemplate?: string | null;
};

type Caller = { actor: Actor; ctx: RequestContext };

export type CreateDynamicSecretInput = Caller &
  Locator & {
    name: string;
    provider: { type: string; inputs: unknown };
    defaultTTL: string;
    maxTTL?: string | null;
    metadata?: MetadataEntry[];
    usernameTemplate?: string | null;
  };

/** PATCH's caller may still be pending: its token row is read with the secret (auth.plugin's "deferred"). */
export type UpdateDynamicSecretInput = { actor: Actor | PendingAuth; ctx: RequestContext } & Locator & {
    name: string;
    patch: DynamicSecretPatch;
    /** D3: the versions an If-Match header names (empty: none parseable), "*", or undefined without the header. */
    ifMatch?: number[] | "*";
  };

export type GetDynamicSecretInput = Caller & Locator & { name: string };
export type DeleteDynamicSecretInput = Caller & Locator & { name: string; isForced: boolean };
export type ListDynamicSecretsInput = Caller & Locator;

/** Columns a PATCH may write; undefined keeps the stored value, null clears it. */
export type DynamicSecretChanges = {
  name?: string;
  defaultTTL?: string;
  maxTTL?: string | null;
  usernameTemplate?: string | null;
  encryptedInput?: Uint8Array;
};
