import { inspectTemplate, type TemplateVerdict } from "./check.js";

// usernameTemplate rules: a character whitelist, then the template check every template gets
// (check.ts: Handlebars parses it, heads are allowed variables or helpers). A template Handlebars
// cannot parse is a 422 issue, never a 500 (D11).

export const USERNAME_TEMPLATE_CHARACTERS = /^[A-Za-z0-9_\-{}[\].'|\t\n\f\r ()"]+$/;

/** The variables a lease's username rendering provides (src/leases/username.ts). */
export const USERNAME_TEMPLATE_VARIABLES = [
  "randomUsername",
  "unixTimestamp",
  "identity.name",
  "dynamicSecret.name",
  "dynamicSecret.type",
] as const;

export function checkUsernameTemplate(template: string): TemplateVerdict {
  return inspectTemplate(template, USERNAME_TEMPLATE_VARIABLES);
}
