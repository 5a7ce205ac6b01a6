import { describe, expect, test } from "vitest";
import { inspectTemplate, validateStatementTemplate } from "../../../src/dynamic-secrets/templates/check.js";

const SQL_CREATION = ["username", "password", "expiration", "database"];

describe("statement templates (§2.Y)", () => {
  test.each([
    "",
    "CREATE ROLE x",
    `CREATE ROLE "{{username}}" WITH PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
    "{{{username}}}",
    "{{&username}}",
    "{{~username~}}",
    "{{random 8}}",
    "{{truncate password 3}}",
    "{{replace username '-' '_'}}",
    "{{uppercase username}} {{lowercase database}}",
    "\\{{notChecked}}",
    "{{ username }}",
  ])("accepts %j", (template) => {
    expect(() => validateStatementTemplate("SQL creation", template, SQL_CREATION)).not.toThrow();
  });

  test.each([
    "{{#if username}}x{{/if}}",
    "{{! comment }}",
    "{{!-- comment --}}",
    "{{> partial}}",
    "{{this.username}}",
    "{{user.name}}",
    "{{@root}}",
    "{{(lookup username)}}",
    "{{secret}}",
    "{{else}}",
    "{{username",
    "{{username}",
    "{{}}",
  ])("refuses %j", (template) => {
    expect(() => validateStatementTemplate("SQL creation", template, SQL_CREATION)).toThrow(
      "Template sanitization failed: SQL creation",
    );
  });

  test("a variable allowed elsewhere is refused where it is not allowed", () => {
    expect(() => validateStatementTemplate("SQL revoke", "DROP ROLE {{username}} -- {{password}}", ["username", "database"])).toThrow(
      "Template sanitization failed: SQL revoke",
    );
  });
});

describe("Handlebars' parser decides what parses (the renderer's own parser)", () => {
  test.each(["{{username}}}", "{{{username}}", "{{#if username}}x", "{{^}}"])("refuses %j, which Handlebars cannot parse", (template) => {
    expect(() => validateStatementTemplate("SQL creation", template, SQL_CREATION)).toThrow("Template sanitization failed: SQL creation");
  });

  test("a bracketed segment naming an allowed dotted path is refused: it would look up another key", () => {
    expect(inspectTemplate("{{[identity.name]}}", ["identity.name"])).toBe("disallowed");
    expect(inspectTemplate("{{identity.name}}", ["identity.name"])).toBe("ok");
  });

  test("decorators and partial blocks are refused", () => {
    expect(inspectTemplate("{{*decorator}}", [])).toBe("disallowed");
    expect(inspectTemplate("{{#> layout}}x{{/layout}}", [])).toBe("disallowed");
  });
});
