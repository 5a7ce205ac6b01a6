import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { z } from "zod";
import { BadRequestError } from "../../lib/errors.js";
import { defineProvider } from "./provider.js";

// SSH certificates signed by a CA key pair that the server generates and keeps in the inputs.
// The CA is reused while its algorithm stays the same and regenerated when it changes.

export const SSH_KEY_ALGORITHMS = ["RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "ED25519"] as const;
type SshKeyAlgorithm = (typeof SSH_KEY_ALGORITHMS)[number];

function sshString(data: Buffer | string): Buffer {
  const body = Buffer.from(data);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function sshMpint(base64url: string): Buffer {
  let bytes = Buffer.from(base64url, "base64url");
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** OpenSSH one-line public key ("<type> <base64>") of a public KeyObject. */
export function openSshPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" });
  let type: string;
  let blob: Buffer;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    type = "ssh-ed25519";
    blob = Buffer.concat([sshString(type), sshString(Buffer.from(jwk.x!, "base64url"))]);
  } else if (jwk.kty === "RSA") {
    type = "ssh-rsa";
    blob = Buffer.concat([sshString(type), sshMpint(jwk.e!), sshMpint(jwk.n!)]);
  } else if (jwk.kty === "EC" && (jwk.crv === "P-256" || jwk.crv === "P-384")) {
    const curve = jwk.crv === "P-256" ? "nistp256" : "nistp384";
    type = `ecdsa-sha2-${curve}`;
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    blob = Buffer.concat([sshString(type), sshString(curve), sshString(point)]);
  } else {
    throw new BadRequestError("Unsupported SSH CA key type");
  }
  return `${type} ${blob.toString("base64")}`;
}

function algorithmOf(privateKeyPem: string): SshKeyAlgorithm {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new BadRequestError("Unsupported SSH CA key type");
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ed25519") return "ED25519";
  if (key.asymmetricKeyType === "rsa" && (details.modulusLength === 2048 || details.modulusLength === 4096)) {
    return `RSA_${details.modulusLength}`;
  }
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") return "EC_prime256v1";
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "secp384r1") return "EC_secp384r1";
  throw new BadRequestError("Unsupported SSH CA key type");
}

function generateCa(algorithm: SshKeyAlgorithm): { caPrivateKey: string; caPublicKey: string } {
  const pair =
    algorithm === "ED25519"
      ? generateKeyPairSync("ed25519")
      : algorithm === "RSA_2048" || algorithm === "RSA_4096"
        ? generateKeyPairSync("rsa", { modulusLength: algorithm === "RSA_2048" ? 2048 : 4096 })
        : generateKeyPairSync("ec", { namedCurve: algorithm === "EC_prime256v1" ? "prime256v1" : "secp384r1" });
  return {
    caPrivateKey: pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    caPublicKey: openSshPublicKey(pair.publicKey),
  };
}

export const SshInputsSchema = z
  .object({
    principals: z.array(z.string().trim().min(1)).min(1),
    keyAlgorithm: z.enum(SSH_KEY_ALGORITHMS).default("ED25519"),
    caKeyAlgorithm: z.enum(SSH_KEY_ALGORITHMS).default("ED25519"),
    caPrivateKey: z.string().optional(),
    caPublicKey: z.string().optional(),
  })
  .transform((inputs) => {
    if (inputs.caPrivateKey && algorithmOf(inputs.caPrivateKey) === inputs.caKeyAlgorithm) {
      const caPublicKey = openSshPublicKey(createPublicKey(inputs.caPrivateKey));
      return { ...inputs, caPrivateKey: inputs.caPrivateKey, caPublicKey };
    }
    return { ...inputs, ...generateCa(inputs.caKeyAlgorithm) };
  });

export const sshProvider = defineProvider({
  type: "ssh",
  inputsSchema: SshInputsSchema,
  secretFields: ["caPrivateKey"],
  sensitiveFields: ["caPrivateKey"],
  // Nothing to connect to: certificates are signed locally.
  async validateConnection() {},
});
