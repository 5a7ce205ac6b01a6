import { z } from "zod";
import { awsRequest } from "../transport/aws-sigv4.js";
import { connectionFailed } from "../transport/connection-error.js";
import { trimmed } from "./fields.js";
import { defineProvider } from "./provider.js";

export const AwsMemoryDbInputsSchema = z.object({
  clusterName: z.string().min(1),
  auth: z.discriminatedUnion("type", [
    z.object({ type: z.literal("iam"), accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }),
  ]),
  region: z.string().min(1),
  creationStatement: trimmed(),
  revocationStatement: trimmed(),
});

/** `endpoint` lets tests point the provider at a loopback fake of the MemoryDB API. */
export function createAwsMemoryDbProvider(endpoint = (region: string) => `https://memory-db.${region}.amazonaws.com/`) {
  return defineProvider({
    type: "aws-memorydb",
    inputsSchema: AwsMemoryDbInputsSchema,
    secretFields: [],
    sensitiveFields: ["auth.accessKeyId", "auth.secretAccessKey"],
    async validateConnection(inputs, ctx) {
      const { accessKeyId, secretAccessKey } = inputs.auth;
      try {
        await awsRequest({
          endpoint: endpoint(inputs.region),
          service: "memorydb",
          region: inputs.region,
          call: { target: "AmazonMemoryDB.DescribeClusters", json: { ClusterName: inputs.clusterName } },
          credentials: { accessKeyId, secretAccessKey },
          timeoutMs: ctx.connectionTimeoutMs,
        });
      } catch (err) {
        throw connectionFailed(err, [accessKeyId, secretAccessKey]);
      }
    },
  });
}

export const awsMemoryDbProvider = createAwsMemoryDbProvider();
