import jwt from "jsonwebtoken";
import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { httpRequest } from "../transport/http-request.js";
import { defineProvider } from "./provider.js";

const PEM_PRIVATE_KEY =
  /^-----BEGIN (?:(?:RSA|PGP|ENCRYPTED) )?PRIVATE KEY-----\s*[\s\S]+?\s*-----END (?:(?:RSA|PGP|ENCRYPTED) )?PRIVATE KEY-----$/;

export const GithubInputsSchema = z.object({
  appId: z.number().min(1),
  installationId: z.number().min(1),
  privateKey: z.string().trim().min(1).regex(PEM_PRIVATE_KEY, "Invalid PEM format for private key"),
});

/** The GitHub App JWT (RS256, 10 minutes, issued a minute in the past for clock drift). */
export function githubAppJwt(appId: number, privateKey: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000) - 60;
  return jwt.sign({ iat, exp: iat + 600, iss: String(appId) }, privateKey, { algorithm: "RS256" });
}

/** `apiBaseUrl` lets tests point the provider at a loopback fake of the GitHub REST API. */
export function createGithubProvider(apiBaseUrl = "https://api.github.com") {
  return defineProvider({
    type: "github",
    inputsSchema: GithubInputsSchema,
    secretFields: [],
    sensitiveFields: ["privateKey"],
    async validateConnection(inputs, ctx) {
      try {
        // Reading the installation with the app's JWT proves the key and the installation id.
        await httpRequest({
          url: `${apiBaseUrl}/app/installations/${inputs.installationId}`,
          headers: {
            authorization: `Bearer ${githubAppJwt(inputs.appId, inputs.privateKey)}`,
            accept: "application/vnd.github+json",
            "user-agent": "dynamic-secrets-server",
            "x-github-api-version": "2022-11-28",
          },
          timeoutMs: ctx.connectionTimeoutMs,
        });
      } catch (err) {
        throw connectionFailed(err, [inputs.privateKey]);
      }
    },
  });
}

export const githubProvider = createGithubProvider();
