import Handlebars from "handlebars";
import { randomString } from "../../lib/random.js";

// The one place templates are rendered (lease statements and username templates):
// an isolated Handlebars instance with the helpers the save-time check accepts, so whatever passes
// validation also renders (D11). Unknown variables render empty, as in Handlebars.

const helpers = {
  random: (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 100 ? randomString(n) : ""),
  truncate: (text: unknown, n: unknown) => {
    const s = String(text ?? "");
    return typeof n === "number" && n > 0 ? s.slice(0, n) : s;
  },
  // A literal replacement, not a regular expression: a template author must not be able to hold
  // the event loop with a catastrophic pattern (Infisical uses RE2; see README).
  replace: (text: unknown, pattern: unknown, replacement: unknown) =>
    typeof pattern === "string" && pattern !== "" ? String(text ?? "").split(pattern).join(String(replacement ?? "")) : String(text ?? ""),
  uppercase: (text: unknown) => String(text ?? "").toUpperCase(),
  lowercase: (text: unknown) => String(text ?? "").toLowerCase(),
};

/** The helpers a template may call: exactly the ones the engine below registers. */
export const TEMPLATE_HELPERS: readonly string[] = Object.keys(helpers);

const engine = Handlebars.create();
engine.registerHelper(helpers);

/** Renders a template; `escape` applies Handlebars' HTML escaping (revoke/renew statements, usernames). */
export function renderTemplate(template: string, context: Record<string, unknown>, options: { escape: boolean }): string {
  return engine.compile(template, { noEscape: !options.escape, strict: false })(context);
}

/** A rendered statement list split on `;`, blank fragments dropped. */
export function renderStatements(template: string, context: Record<string, unknown>, options: { escape: boolean }): string[] {
  return renderTemplate(template, context, options)
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
