import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

// The seed contract, parsed once, and a validator for every PATCH response against the schema the
// contract gives for its status code. `openapi/patch-dynamic-secret.yaml` is the repository's copy
// of shared/openapi/patch-dynamic-secret.yaml (a clone must test without the shared folder);
// contract-copy.test.ts fails when the two drift apart.

export const SEED_PATH = new URL("../../../openapi/patch-dynamic-secret.yaml", import.meta.url);

type Json = Record<string, any>;
export const seed: Json = parse(readFileSync(SEED_PATH, "utf8"));
export const seedPatch: Json = seed.paths["/api/v1/dynamic-secrets/{name}"].patch;

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

/** Statuses our server adds on purpose (D3 412, D14 413/415, D16 429): the contract's envelope shape. */
function envelopeSchemaFor(status: number): Json {
  return {
    type: "object",
    properties: {
      reqId: { type: "string" },
      statusCode: { type: "number", enum: [status] },
      message: { type: "string" },
      error: { type: "string" },
    },
    required: ["reqId", "statusCode", "message", "error"],
    additionalProperties: false,
  };
}

const validators = new Map<number, ValidateFunction>();
function validatorFor(status: number): ValidateFunction {
  let validate = validators.get(status);
  if (!validate) {
    const declared = seedPatch.responses[String(status)]?.content?.["application/json"]?.schema;
    validate = ajv.compile(declared ?? envelopeSchemaFor(status));
    validators.set(status, validate);
  }
  return validate;
}

/** Throws with ajv's findings when `body` does not match the contract for `status`. */
export function assertMatchesContract(status: number, body: unknown): void {
  const validate = validatorFor(status);
  if (!validate(body)) {
    throw new Error(`PATCH ${status} response does not match the contract: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
  }
}
