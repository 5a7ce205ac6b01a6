// The auth methods an identity has, as Infisical lists them: one name per attached method.

/** An identity's auth methods, from the ids of its Universal Auth and Token Auth rows (left-joined). */
export function authMethodsOf(row: { ua_id: string | null; ta_id: string | null }): string[] {
  return [...(row.ua_id ? ["universal-auth"] : []), ...(row.ta_id ? ["token-auth"] : [])];
}
