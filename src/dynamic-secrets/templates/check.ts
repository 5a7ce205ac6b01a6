import { BadRequestError } from "../../lib/errors.js";

// Statement templates (spec §2.Y): only top-level text and simple mustaches `{{name …}}` whose
// name is an allowed helper or an allowed variable for that statement. Helper arguments are not
// inspected. Anything else — blocks, comments, partials, sub-expressions, dotted or `this.` paths —
// fails with `Template sanitization failed: <name>`.

const ALLOWED_HELPERS = new Set(["replace", "truncate", "random", "uppercase", "lowercase"]);
const SIMPLE_NAME = /^[A-Za-z_$][\w$-]*$/;

type Mustache = { raw: string; body: string };

/** Top-level mustaches of a Handlebars-style template; undefined when it does not parse. */
function mustachesOf(template: string): Mustache[] | undefined {
  const found: Mustache[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    if (open === -1) break;
    if (open > 0 && template[open - 1] === "\\") {
      i = open + 2; // `\{{` is literal text in Handlebars
      continue;
    }
    const triple = template.startsWith("{{{", open);
    const isComment = template.startsWith("{{!--", open) || template.startsWith("{{~!--", open);
    const closer = isComment ? "--}}" : triple ? "}}}" : "}}";
    const close = template.indexOf(closer, open + (triple ? 3 : 2));
    if (close === -1) return undefined;
    const raw = template.slice(open, close + closer.length);
    let body = template.slice(open + (triple ? 3 : 2), close).trim();
    body = body.replace(/^~/, "").replace(/~$/, "").trim();
    if (!isComment && body === "") return undefined;
    found.push({ raw, body });
    i = close + closer.length;
  }
  return found;
}

function isAllowed(body: string, allowedVariables: ReadonlySet<string>): boolean {
  const unescaped = body.startsWith("&") ? body.slice(1).trim() : body;
  const name = unescaped.split(/\s+/, 1)[0] ?? "";
  if (!SIMPLE_NAME.test(name) || name === "this" || name === "else") return false;
  return ALLOWED_HELPERS.has(name) || allowedVariables.has(name);
}

/** Throws 400 `Template sanitization failed: <templateName>` unless the template is acceptable. */
export function validateStatementTemplate(templateName: string, template: string, allowedVariables: readonly string[]) {
  const mustaches = mustachesOf(template);
  // Infisical lets a parse error escape as a 500; an unparsable template is the caller's input.
  const allowed = new Set(allowedVariables);
  if (!mustaches || !mustaches.every((m) => isAllowed(m.body, allowed))) {
    throw new BadRequestError(`Template sanitization failed: ${templateName}`);
  }
}

export type StatementRule = {
  field: string;
  templateName: string;
  variables: readonly string[];
  /** Check only when the value is a non-empty string (renew statements). */
  onlyIfSet?: boolean;
};

/** Runs the rules in order; the first failure wins (creation, renew, revoke in Infisical). */
export function validateStatements(inputs: Record<string, unknown>, rules: readonly StatementRule[]): void {
  for (const rule of rules) {
    const value = inputs[rule.field];
    if (typeof value !== "string") continue;
    if (rule.onlyIfSet && value === "") continue;
    validateStatementTemplate(rule.templateName, value, rule.variables);
  }
}
