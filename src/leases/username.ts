import { BadRequestError } from "../lib/errors.js";
import { randomString } from "../lib/random.js";
import { renderTemplate } from "../dynamic-secrets/templates/render.js";

// Lease usernames: 32 random alphanumerics, or the secret's usernameTemplate
// rendered (HTML-escaped, as Infisical) with randomUsername, unixTimestamp, identity.name and
// dynamicSecret.{name,type}. The result must be 1–128 of [A-Za-z0-9_-] (D33: nothing that needs
// quoting), checked before any target I/O.

export const UNSAFE_USERNAME =
  "Generated username contains unsupported characters; only letters, digits, underscore and hyphen are allowed";

const SAFE_USERNAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Infisical's toSafeUsername: anything outside [A-Za-z0-9_] (hyphens optionally kept) → `_`, ≤ 63, never empty. */
export function toSafeUsername(name: string, keepHyphens = false): string {
  const safe = name.replace(keepHyphens ? /[^A-Za-z0-9_-]/g : /[^A-Za-z0-9_]/g, "_").slice(0, 63);
  return safe || "inf_user";
}

export function leaseUsername(input: {
  template: string | null;
  identityName: string;
  secret: { name: string; type: string };
}): string {
  const randomUsername = randomString(32);
  if (!input.template) return randomUsername;
  const rendered = renderTemplate(
    input.template,
    {
      randomUsername,
      unixTimestamp: Math.floor(Date.now() / 1000),
      identity: { name: toSafeUsername(input.identityName) },
      dynamicSecret: { name: toSafeUsername(input.secret.name, true), type: input.secret.type },
    },
    { escape: true },
  );
  if (!SAFE_USERNAME.test(rendered)) throw new BadRequestError(UNSAFE_USERNAME);
  return rendered;
}
