import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

// Pure AES-256-GCM over a versioned blob:
//   byte 0      format version (1)
//   bytes 1-12  IV (96 bits, random per message)
//   bytes 13-28 GCM tag (128 bits)
//   bytes 29-   ciphertext
// The optional associated data binds a blob to its context (e.g. a wrapped key to its project):
// a blob moved elsewhere fails to decrypt like a tampered one.

export const BLOB_VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + IV_LENGTH + TAG_LENGTH;
export const KEY_LENGTH = 32;

/** Decryption failed: unknown format, truncated, wrong key or tampered. Says nothing more, on purpose. */
export class CipherError extends Error {
  constructor() {
    super("Decryption failed");
    this.name = "CipherError";
  }
}

function assertKey(key: Uint8Array): void {
  if (key.length !== KEY_LENGTH) throw new Error("AES-256-GCM needs a 32-byte key");
}

export function generateKey(): Buffer {
  return randomBytes(KEY_LENGTH);
}

export function encrypt(key: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Buffer {
  assertKey(key);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  if (associatedData) cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([BLOB_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
}

export function decrypt(key: Uint8Array, blob: Uint8Array, associatedData?: Uint8Array): Buffer {
  assertKey(key);
  // bytea arrives as Buffer (pg) or Uint8Array (PGlite): view both the same way, without copying.
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < HEADER_LENGTH || bytes[0] !== BLOB_VERSION) throw new CipherError();
  const iv = bytes.subarray(1, 1 + IV_LENGTH);
  const tag = bytes.subarray(1 + IV_LENGTH, HEADER_LENGTH);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
    if (associatedData) decipher.setAAD(associatedData);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(bytes.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch {
    throw new CipherError();
  }
}

export function encryptJson(key: Uint8Array, value: unknown, associatedData?: Uint8Array): Buffer {
  return encrypt(key, Buffer.from(JSON.stringify(value), "utf8"), associatedData);
}

export function decryptJson(key: Uint8Array, blob: Uint8Array, associatedData?: Uint8Array): unknown {
  return JSON.parse(decrypt(key, blob, associatedData).toString("utf8"));
}
