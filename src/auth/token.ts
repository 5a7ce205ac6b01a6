import { createSecretKey, KeyObject, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import jwt from "jsonwebtoken";
import { TokenError } from "../lib/errors.js";

// Access-token JWTs, client secrets and slow password/secret hashes.

export const IDENTITY_ACCESS_TOKEN_TYPE = "identityAccessToken";

export type AccessTokenClaims = {
  identityId: string;
  identityAccessTokenId: string;
  /** UA client secret used at login; absent for token-auth tokens. */
  clientSecretId?: string;
};

/**
 * The HS256 key of AUTH_SECRET (its UTF-8 bytes), built once: given a string, jsonwebtoken first
 * tries to parse it as a PEM public key on every call, which costs more than the HMAC itself.
 */
export function tokenSigningKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, "utf8"));
}

const keyOf = (secret: string | KeyObject): KeyObject => (secret instanceof KeyObject ? secret : tokenSigningKey(secret));

/** HS256 over the UTF-8 bytes of AUTH_SECRET; `exp` only when the TTL is positive (TTL 0 = never). */
export function signAccessToken(secret: string | KeyObject, claims: AccessTokenClaims, ttlSeconds: number): string {
  const payload: Record<string, unknown> = {
    identityId: claims.identityId,
    identityAccessTokenId: claims.identityAccessTokenId,
    ...(claims.clientSecretId ? { clientSecretId: claims.clientSecretId } : {}),
    authTokenType: IDENTITY_ACCESS_TOKEN_TYPE,
  };
  return jwt.sign(payload, keyOf(secret), {
    algorithm: "HS256",
    ...(ttlSeconds > 0 ? { expiresIn: ttlSeconds } : {}),
  });
}

// jsonwebtoken's messages are the wire messages, except these three which Infisical rewords.
const REWORDED: Record<string, string> = {
  "jwt malformed": "The provided access token is malformed. Please use a valid token or generate a new one and try again.",
  "invalid algorithm": "The access token is signed with an invalid algorithm. Please provide a valid token and try again.",
  "jwt expired": "Your token has expired. Please re-authenticate.",
};

/** Verifies signature and time claims; every failure is a 403 TokenError with the catalogue's message. */
export function verifyJwt(secret: string | KeyObject, token: string): jwt.JwtPayload {
  try {
    const payload = jwt.verify(token, keyOf(secret), { algorithms: ["HS256"] });
    if (typeof payload === "string") throw new jwt.JsonWebTokenError("invalid token");
    return payload;
  } catch (err) {
    const message = err instanceof Error ? err.message : "invalid token";
    throw new TokenError(REWORDED[message] ?? message);
  }
}

/** A UA client secret: 32 random bytes as 64 lower-case hex characters, shown once. */
export function generateClientSecret(): string {
  return randomBytes(32).toString("hex");
}

// scrypt with a per-hash random salt; parameters are stored with the hash so they can be raised later.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, "base64");
  const actual = await scryptAsync(secret, Buffer.from(saltB64, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
