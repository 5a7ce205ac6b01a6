import { z } from "zod";
import { awsRequest } from "../transport/aws-sigv4.js";
import { connectionFailed } from "../transport/connection-error.js";
import { required, trimmed } from "./fields.js";
import { defineProvider } from "./provider.js";

export const AwsElastiCacheInputsSchema = z.object({
  clusterName: required(),
  accessKeyId: required(),
  secretAccessKey: required(),
  region: trimmed(),
  creationStatement: trimmed(),
  revocationStatement: trimmed(),
});

/** `endpoint` lets tests point the provider at a loopback fake of the ElastiCache API. */
export function createAwsElastiCacheProvider(endpoint = (region: string) => `https://elasticache.${region}.amazonaws.com/`) {
  return defineProvider({
    type: "aws-elasticache",
    inputsSchema: AwsElastiCacheInputsSchema,
    secretFields: [],
    sensitiveFields: ["accessKeyId", "secretAccessKey"],
    async validateConnection(inputs, ctx) {
      try {
        // Describing the replication group proves the keys and that the cluster exists.
        await awsRequest({
          endpoint: endpoint(inputs.region),
          service: "elasticache",
          region: inputs.region,
          call: { query: { Action: "DescribeReplicationGroups", ReplicationGroupId: inputs.clusterName, Version: "2015-02-02" } },
          credentials: { accessKeyId: inputs.accessKeyId, secretAccessKey: inputs.secretAccessKey },
          timeoutMs: ctx.connectionTimeoutMs,
        });
      } catch (err) {
        throw connectionFailed(err, [inputs.accessKeyId, inputs.secretAccessKey]);
      }
    },
  });
}

export const awsElastiCacheProvider = createAwsElastiCacheProvider();
