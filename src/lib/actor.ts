// The authenticated caller, as one object (never four loose fields). Only machine identities can
// authenticate (D21).
export type Actor = {
  type: "identity";
  identityId: string;
  /** Identity name, for audit actor metadata. */
  name: string;
  /** Organization of the identity's org membership: the request's organization. */
  orgId: string;
  /** Row id of the access token used (identity_access_tokens.id). */
  tokenId: string;
  /** Always null for identities (Infisical parity). */
  authMethod: null;
};
