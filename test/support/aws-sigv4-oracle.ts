import { createHash, createHmac } from "node:crypto";

// An independent AWS Signature Version 4 signer, written from AWS's documentation: the fakes of
// AWS APIs use it to check the signatures src/ produces with @smithy/signature-v4. It is pinned
// to AWS's documented example in test/unit/providers/protocols.test.ts.

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
