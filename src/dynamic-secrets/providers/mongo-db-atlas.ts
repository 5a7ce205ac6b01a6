import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { required } from "./fields.js";
import { digestRequest } from "../transport/http-digest.js";
import { defineProvider } from "./provider.js";

export const MongoDbAtlasInputsSchema = z.object({
  adminPublicKey: required(),
  adminPrivateKey: required(),
  groupId: required(),
  roles: z
    .array(z.object({ collectionName: z.string().optional(), databaseName: z.string().min(1), roleName: z.string().min(1) }))
    .min(1),
  scopes: z.array(z.object({ name: z.string().min(1), type: z.string().min(1) })),
});

/** `baseUrl` lets tests point the provider at a loopback fake of the Atlas Admin API. */
export function createMongoDbAtlasProvider(baseUrl = "https://cloud.mongodb.com") {
  return defineProvider({
    type: "mongo-db-atlas",
    inputsSchema: MongoDbAtlasInputsSchema,
    secretFields: [],
    sensitiveFields: ["adminPrivateKey"],
    async validateConnection(inputs, ctx) {
      try {
        // Listing the project's database users proves the API key pair and its access to the group.
        await digestRequest(
          {
            url: `${baseUrl}/api/atlas/v1.0/groups/${encodeURIComponent(inputs.groupId)}/databaseUsers`,
            timeoutMs: ctx.connectionTimeoutMs,
          },
          inputs.adminPublicKey,
          inputs.adminPrivateKey,
        );
      } catch (err) {
        throw connectionFailed(err, [inputs.adminPublicKey, inputs.adminPrivateKey]);
      }
    },
  });
}

export const mongoDbAtlasProvider = createMongoDbAtlasProvider();
