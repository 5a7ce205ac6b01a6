import Handlebars from "handlebars";
import { BadRequestError } from "../../lib/errors.js";
import { TEMPLATE_HELPERS } from "./render.js";

// Which templates are accepted, decided by Handlebars' own parser (the parser render.ts compiles
// with), so a template that passes validation also renders (D11). After the parse, the template
// may hold only text and simple mustaches `{{head …}}`, `{{{head …}}}` or `{{&head …}}` whose head
// is an allowed helper or variable. Blocks, comments, partials, decorators, sub-expression or
// literal heads, `this.`/`../`/`@` paths are refused. Helper arguments are not inspected (as in
// Infisical).

export type TemplateVerdict = "ok" | "disallowed" | "unparsable";

type Statement = { type: string; path?: { type: string; original?: string; parts?: string[]; data?: boolean; depth?: number } };

function parse(template: string): Statement[] | undefined {
  try {
    return Handlebars.parse(template).body as Statement[];
  } catch {
    return undefined;
  }
}

function statementAllowed(statement: Statement, allowedHeads: ReadonlySet<string>): boolean {
  if (statement.type === "ContentStatement") return true;
  if (statement.type !== "MustacheStatement") return false;
  const path = statement.path;
  if (path?.type !== "PathExpression" || path.data || path.depth !== 0 || path.original === undefined) return false;
  // `{{[identity.name]}}` names one key "identity.name", not the path: the parts must match too.
  return allowedHeads.has(path.original) && path.parts?.join(".") === path.original && path.parts.length === path.original.split(".").length;
}

type Lexer = { setInput(input: string): void; lex(): number | string };
const { lexer: handlebarsLexer, terminals_: terminals } = (Handlebars as unknown as { Parser: { lexer: Lexer; terminals_: Record<number, string> } }).Parser;

/**
 * `{{(helper …)}}`: a mustache whose head is a sub-expression. Handlebars' grammar has no such
 * mustache, but the author wrote a well-formed expression we do not allow, so it is `disallowed`
 * rather than `unparsable`. Decided on Handlebars' own tokens.
 */
function hasSubExpressionHead(template: string): boolean {
  const lexer = Object.create(handlebarsLexer) as Lexer;
  try {
    lexer.setInput(template);
    let previous = "";
    for (let i = 0; i <= template.length; i += 1) {
      const token = lexer.lex();
      const name = typeof token === "number" ? terminals[token] : token;
      if (name === "EOF" || name === undefined) return false;
      if (name === "OPEN_SEXPR" && (previous === "OPEN" || previous === "OPEN_UNESCAPED")) return true;
      previous = name;
    }
  } catch {
    // Not even tokens: unparsable.
  }
  return false;
}

/** `unparsable` when Handlebars cannot parse it; `disallowed` when a statement is not allowed. */
export function inspectTemplate(template: string, allowedVariables: readonly string[]): TemplateVerdict {
  const statements = parse(template);
  if (!statements) return hasSubExpressionHead(template) ? "disallowed" : "unparsable";
  const allowedHeads = new Set([...TEMPLATE_HELPERS, ...allowedVariables]);
  return statements.every((s) => statementAllowed(s, allowedHeads)) ? "ok" : "disallowed";
}

/** Throws 400 `Template sanitization failed: <templateName>` unless the statement template is acceptable. */
export function validateStatementTemplate(templateName: string, template: string, allowedVariables: readonly string[]) {
  // Infisical lets a parse error escape as a 500; an unparsable template is the caller's input.
  if (inspectTemplate(template, allowedVariables) !== "ok") {
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
