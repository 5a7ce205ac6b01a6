import { createHash, createHmac } from "node:crypto";
import { httpRequest, HttpStatusError } from "./http-request.js";

// AWS Signature Version 4 for the few calls our connection tests make (IAM GetUser, STS
// GetSessionToken, ElastiCache/MemoryDB describe calls), so no AWS SDK is needed.

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** Headers (incl. Authorization) for one request; `url` must be absolute. */
export function signAwsRequest(args: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: AwsCredentials;
  now?: Date;
}): Record<string, string> {
  const url = new URL(args.url);
  const amzDate = (args.now ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(args.headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
    host: url.host,
    "x-amz-date": amzDate,
  };
  if (args.credentials.sessionToken) headers["x-amz-security-token"] = args.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    args.method,
    url.pathname || "/",
    canonicalQuery,
    names.map((n) => `${n}:${headers[n]}\n`).join(""),
    names.join(";"),
    sha256(args.body),
  ].join("\n");
  const scope = `${day}/${args.region}/${args.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const kDate = hmac(`AWS4${args.credentials.secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, args.region), args.service), "aws4_request");
  const signature = createHmac("sha256", kSigning).update(stringToSign, "utf8").digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${args.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
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

async function sendSigned(args: {
  endpoint: string;
  service: string;
  region: string;
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentials;
  timeoutMs: number;
}): Promise<void> {
  const headers = signAwsRequest({ method: "POST", url: args.endpoint, ...args });
  try {
    await httpRequest({ url: args.endpoint, method: "POST", headers, body: args.body, timeoutMs: args.timeoutMs });
  } catch (err) {
    if (err instanceof HttpStatusError) throw new Error(awsErrorMessage(err.response.body) ?? err.message);
    throw err;
  }
}

/** A signed call to an AWS Query API (IAM, STS, ElastiCache); AWS's error message on failure. */
export function awsQuery(
  endpoint: string,
  service: string,
  region: string,
  params: Record<string, string>,
  credentials: AwsCredentials,
  timeoutMs: number,
): Promise<void> {
  return sendSigned({
    endpoint,
    service,
    region,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams(params).toString(),
    credentials,
    timeoutMs,
  });
}

/** A signed call to an AWS JSON 1.1 API (MemoryDB). */
export function awsJson(
  endpoint: string,
  service: string,
  region: string,
  target: string,
  payload: unknown,
  credentials: AwsCredentials,
  timeoutMs: number,
): Promise<void> {
  return sendSigned({
    endpoint,
    service,
    region,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body: JSON.stringify(payload),
    credentials,
    timeoutMs,
  });
}
