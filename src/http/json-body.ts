import type { FastifyInstance } from "fastify";
import secureJsonParse from "secure-json-parse";
import { BadRequestError } from "../lib/errors.js";

/**
 * JSON bodies through secure-json-parse (as Fastify's default parser), but telling a malformed
 * body from a prototype-poisoning one, which Fastify folds into one error. Infisical also parses
 * `application/scim+json` as JSON.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(["application/json", "application/scim+json"], { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new BadRequestError("Body cannot be empty when content-type is set to 'application/json'"), undefined);
      return;
    }
    try {
      done(null, secureJsonParse.parse(text, undefined, { protoAction: "error", constructorAction: "error" }));
    } catch (err) {
      const poisoned = err instanceof SyntaxError && err.message.includes("forbidden prototype property");
      done(new BadRequestError(poisoned ? "Body contains a forbidden prototype property" : "Body is not valid JSON"), undefined);
    }
  });
}
