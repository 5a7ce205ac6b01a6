// usernameTemplate rules (patch-endpoint.md §1.3): a character whitelist, then a Handlebars-shaped
// check — every top-level mustache must be `{{expr …}}`, `{{{expr …}}}` or `{{&expr …}}` whose head
// is an allowed expression or helper. Templates that Handlebars cannot parse are rejected too (D11:
// a 422 issue, never a 500). Helper arguments are not inspected, as in Infisical.

export const USERNAME_TEMPLATE_CHARACTERS = /^[A-Za-z0-9_\-{}[\].'|\t\n\f\r ()"]+$/;

const ALLOWED_HEADS = new Set([
  "randomUsername",
  "unixTimestamp",
  "identity.name",
  "dynamicSecret.name",
  "dynamicSecret.type",
  "replace",
  "truncate",
  "random",
  "uppercase",
  "lowercase",
]);

export type TemplateCheck = "ok" | "disallowed" | "unparsable";

/** Splits a mustache body into tokens; undefined when quotes or parentheses do not balance. */
function tokenize(body: string): string[] | undefined {
  const tokens: string[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    let j = i;
    let depth = 0;
    while (j < body.length && (depth > 0 || !/\s/.test(body[j]!))) {
      const c = body[j]!;
      if (c === '"' || c === "'") {
        const end = body.indexOf(c, j + 1);
        if (end < 0) return undefined;
        j = end + 1;
        continue;
      }
      if (c === "(") depth += 1;
      if (c === ")") {
        depth -= 1;
        if (depth < 0) return undefined;
      }
      j += 1;
    }
    if (depth !== 0) return undefined;
    tokens.push(body.slice(i, j));
    i = j;
  }
  return tokens;
}

export function checkUsernameTemplate(template: string): TemplateCheck {
  let verdict: TemplateCheck = "ok";
  let i = 0;
  for (;;) {
    const open = template.indexOf("{{", i);
    if (open < 0) return verdict;
    if (open > 0 && template[open - 1] === "\\") {
      i = open + 2; // an escaped mustache is plain text
      continue;
    }
    const triple = template.startsWith("{{{", open);
    const close = triple ? "}}}" : "}}";
    const end = template.indexOf(close, open + (triple ? 3 : 2));
    if (end < 0) return "unparsable";
    i = end + close.length;
    let body = template.slice(open + (triple ? 3 : 2), end);
    if (body.startsWith("~")) body = body.slice(1);
    if (body.endsWith("~")) body = body.slice(0, -1);
    if (!triple) {
      const sigil = body.trimStart()[0];
      if (sigil !== undefined && "#/^!>".includes(sigil) && body[0] === sigil) {
        verdict = "disallowed"; // blocks, inverse sections, comments, partials
        continue;
      }
      if (body.startsWith("&")) body = body.slice(1);
    }
    const tokens = tokenize(body);
    if (!tokens || tokens.length === 0) return "unparsable";
    const head = tokens[0]!;
    if (head.startsWith("(")) {
      verdict = "disallowed";
      continue;
    }
    if (!ALLOWED_HEADS.has(head)) verdict = "disallowed";
  }
}
