import { httpRequest, HttpStatusError } from "./http-request.js";

// AWS Signature Version 4 (@smithy/signature-v4, the AWS SDK's own signer) for the few calls our
// connection tests make (IAM GetUser, STS GetSessionToken, ElastiCache/MemoryDB describe calls).

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** Headers (incl. Authorization) for one request; `url` must be absolute. */
export async function signAwsRequest(args: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: AwsCredentials;
  now?: Date;
}): Promise<Record<string, string>> {
  const url = new URL(args.url);
  // Loaded on first use (start-up time and memory of servers that never sign an AWS request).
  const [{ Hash }, { SignatureV4 }] = await Promise.all([import("@smithy/hash-node"), import("@smithy/signature-v4")]);
  const signer = new SignatureV4({
    service: args.service,
    region: args.region,
    credentials: args.credentials,
    sha256: Hash.bind(null, "sha256"),
    // No x-amz-content-sha256 header: the Query and JSON 1.1 APIs we call do not ask for it.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: args.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname || "/",
      query: Object.fromEntries(url.searchParams.entries()),
      headers: {
        ...Object.fromEntries(Object.entries(args.headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
        host: url.host,
      },
      body: args.body,
    },
    { signingDate: args.now ?? new Date() },
  );
  return signed.headers;
}

/** `<Message>` of an AWS XML error body, or `message` of a JSON one. */
export function awsErrorMessage(body: string): string | undefined {
  const xml = /<Message>([\s\S]*?)<\/Message>/.exec(body);
  if (xml) return xml[1];
  try {
    const json = JSON.parse(body) as { message?: string; Message?: string };
    return json.message ?? json.Message;
  } catch {
    return undefined;
  }
}

/** What one call sends: a Query API's form parameters (IAM, STS, ElastiCache) or a JSON 1.1 API's target and body (MemoryDB). */
export type AwsCall = { query: Record<string, string> } | { target: string; json: unknown };

/** A signed POST to an AWS API; on an error status, AWS's own error message. */
export async function awsRequest(args: {
  endpoint: string;
  service: string;
  region: string;
  call: AwsCall;
  credentials: AwsCredentials;
  timeoutMs: number;
}): Promise<void> {
  const { endpoint, service, region, call, credentials, timeoutMs } = args;
  const [contentHeaders, body] =
    "query" in call
      ? [{ "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, new URLSearchParams(call.query).toString()]
      : [{ "content-type": "application/x-amz-json-1.1", "x-amz-target": call.target }, JSON.stringify(call.json)];
  const headers = await signAwsRequest({ method: "POST", url: endpoint, headers: contentHeaders, body, service, region, credentials });
  try {
    await httpRequest({ url: endpoint, method: "POST", headers, body, timeoutMs });
  } catch (err) {
    if (err instanceof HttpStatusError) throw new Error(awsErrorMessage(err.response.body) ?? err.message);
    throw err;
  }
}
