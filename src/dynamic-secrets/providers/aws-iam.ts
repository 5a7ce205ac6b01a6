import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { required, trimmed } from "./fields.js";
import { awsRequest } from "../transport/aws-sigv4.js";
import { defineProvider } from "./provider.js";

const CommonFields = {
  credentialType: z.enum(["iam-user", "temporary-credentials"]).default("iam-user"),
  region: required(),
  awsPath: trimmed().optional(),
  permissionBoundaryPolicyArn: trimmed().optional(),
  policyDocument: trimmed().optional(),
  userGroups: trimmed().optional(),
  policyArns: trimmed().optional(),
  tags: z.array(z.object({ key: trimmed().min(1).max(255), value: trimmed().max(1020).default("") })).optional(),
};

export const AwsIamInputsSchema = z.preprocess(
  // Rows stored before `method` existed are access-key configurations.
  (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value) && !Object.hasOwn(value, "method")
      ? { ...value, method: "access-key" }
      : value,
  z.discriminatedUnion("method", [
    z.object({ method: z.literal("access-key"), accessKey: required(), secretAccessKey: required(), ...CommonFields }),
    z.object({ method: z.literal("assume-role"), roleArn: trimmed().min(1, "Role ARN required"), ...CommonFields }),
    z.object({ method: z.literal("irsa"), ...CommonFields }),
  ]),
);

type AwsIamInputs = z.output<typeof AwsIamInputsSchema>;

export type AwsEndpoints = {
  /** IAM is global: https://iam.amazonaws.com (signed for us-east-1). */
  iam: string;
  /** STS per region: https://sts.<region>.amazonaws.com. */
  sts: (region: string) => string;
};

const AWS_ENDPOINTS: AwsEndpoints = {
  iam: "https://iam.amazonaws.com/",
  sts: (region) => `https://sts.${region}.amazonaws.com/`,
};

async function testAwsIam(inputs: AwsIamInputs, timeoutMs: number, endpoints: AwsEndpoints): Promise<void> {
  if (inputs.method === "irsa") {
    throw new Error("Failed to get AWS credentials via IRSA: KUBERNETES_AUTO_FETCH_SERVICE_ACCOUNT_TOKEN is not enabled.");
  }
  if (inputs.method === "assume-role") {
    // Assuming a role needs the server's own AWS credentials, which this server does not hold.
    throw new Error("Failed to assume role: this server has no AWS credentials to assume roles with.");
  }
  const credentials = { accessKeyId: inputs.accessKey, secretAccessKey: inputs.secretAccessKey };
  if (inputs.credentialType === "temporary-credentials") {
    const call = { query: { Action: "GetSessionToken", Version: "2011-06-15", DurationSeconds: "900" } };
    await awsRequest({ endpoint: endpoints.sts(inputs.region), service: "sts", region: inputs.region, call, credentials, timeoutMs });
  } else {
    const call = { query: { Action: "GetUser", Version: "2010-05-08" } };
    await awsRequest({ endpoint: endpoints.iam, service: "iam", region: "us-east-1", call, credentials, timeoutMs });
  }
}

/** `endpoints` lets tests point the provider at a loopback fake of IAM/STS. */
export function createAwsIamProvider(endpoints: AwsEndpoints = AWS_ENDPOINTS) {
  return defineProvider({
    type: "aws-iam",
    inputsSchema: AwsIamInputsSchema,
    secretFields: [],
    sensitiveFields: ["accessKey", "secretAccessKey"],
    async validateConnection(inputs, ctx) {
      try {
        await testAwsIam(inputs, ctx.connectionTimeoutMs, endpoints);
      } catch (err) {
        const tokens =
          inputs.method === "access-key" ? [inputs.accessKey, inputs.secretAccessKey] : inputs.method === "assume-role" ? [inputs.roleArn] : [];
        throw connectionFailed(err, tokens);
      }
    },
  });
}

export const awsIamProvider = createAwsIamProvider();
