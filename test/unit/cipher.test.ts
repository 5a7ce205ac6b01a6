import { describe, expect, test } from "vitest";
import { BLOB_VERSION, CipherError, decrypt, decryptJson, encrypt, encryptJson, generateKey } from "../../src/kms/cipher.js";
import { unwrapDataKey, wrapDataKey } from "../../src/kms/kms.service.js";

const key = generateKey();

describe("cipher", () => {
  test("round-trips bytes and JSON; every message gets a fresh IV", () => {
    const plaintext = Buffer.from("hello, world");
    const a = encrypt(key, plaintext);
    const b = encrypt(key, plaintext);
    expect(a.equals(b)).toBe(false);
    expect(decrypt(key, a).toString()).toBe("hello, world");
    expect(decryptJson(key, encryptJson(key, { secret: "s", n: 1 }))).toEqual({ secret: "s", n: 1 });
  });

  test("blob layout: version byte, 12-byte IV, 16-byte tag, ciphertext of the plaintext's length", () => {
    const blob = encrypt(key, Buffer.from("abcd"));
    expect(blob[0]).toBe(BLOB_VERSION);
    expect(blob.length).toBe(1 + 12 + 16 + 4);
    expect(blob.includes(Buffer.from("abcd"))).toBe(false);
  });

  test("a Uint8Array view (PGlite's bytea) decrypts like a Buffer (pg's bytea)", () => {
    const blob = encrypt(key, Buffer.from("view"));
    const padded = new Uint8Array(blob.length + 8);
    padded.set(blob, 4);
    expect(decrypt(key, padded.subarray(4, 4 + blob.length)).toString()).toBe("view");
    expect(decrypt(key, new Uint8Array(blob)).toString()).toBe("view");
  });

  const tamper = (blob: Buffer, at: number) => {
    const copy = Buffer.from(blob);
    copy[at] = copy[at]! ^ 0x01;
    return copy;
  };
  const blob = encrypt(key, Buffer.from("sensitive"), Buffer.from("ctx"));

  test.each([
    ["a flipped ciphertext bit", tamper(blob, blob.length - 1)],
    ["a flipped tag bit", tamper(blob, 1 + 12)],
    ["a flipped IV bit", tamper(blob, 1)],
    ["an unknown format version", tamper(blob, 0)],
    ["a truncated blob", blob.subarray(0, 20)],
    ["an empty blob", Buffer.alloc(0)],
  ])("%s fails with a CipherError that reveals nothing", (_label, bad) => {
    expect(() => decrypt(key, bad, Buffer.from("ctx"))).toThrow(CipherError);
    try {
      decrypt(key, bad, Buffer.from("ctx"));
    } catch (err) {
      expect((err as Error).message).toBe("Decryption failed");
    }
  });

  test("wrong key or wrong associated data fail the same way", () => {
    expect(() => decrypt(generateKey(), blob, Buffer.from("ctx"))).toThrow(CipherError);
    expect(() => decrypt(key, blob, Buffer.from("other"))).toThrow(CipherError);
    expect(() => decrypt(key, blob)).toThrow(CipherError);
  });

  test("keys must be 32 bytes", () => {
    expect(() => encrypt(Buffer.alloc(16), Buffer.from("x"))).toThrow("32-byte key");
  });

  test("a wrapped data key only unwraps for its own project", () => {
    const root = generateKey();
    const dataKey = generateKey();
    const wrapped = wrapDataKey(root, "p1", dataKey);
    expect(unwrapDataKey(root, "p1", wrapped).equals(dataKey)).toBe(true);
    expect(() => unwrapDataKey(root, "p2", wrapped)).toThrow(CipherError);
  });
});
