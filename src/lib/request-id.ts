import { randomInt } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `req-` + 14 characters of [0-9A-Za-z], as Infisical generates them (D15). */
export function generateRequestId(): string {
  let id = "req-";
  for (let i = 0; i < 14; i += 1) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
