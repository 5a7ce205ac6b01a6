import type { ProjectCipher } from "../kms/kms.service.js";
import { isPlainObject } from "../lib/objects.js";
import type { DynamicSecret, DynamicSecretView } from "./dynamic-secret.types.js";
import type { Inputs } from "./patch.js";

/** What a response shows of a secret: never its ciphertext; `inputs` only when given (already redacted). */
export function toView(secret: DynamicSecret, inputs?: unknown): DynamicSecretView {
  const { encryptedInput: _ciphertext, ...rest } = secret;
  return { ...rest, projectGatewayId: null, ...(inputs === undefined ? {} : { inputs }) };
}

export function decryptInputs(cipher: ProjectCipher, secret: DynamicSecret): Inputs {
  const value = cipher.decryptJson(secret.encryptedInput);
  if (!isPlainObject(value)) throw new Error(`Stored inputs of dynamic secret ${secret.id} are not an object`);
  return value;
}
