import { createHash, randomBytes } from "node:crypto";
import { httpRequest, HttpStatusError, type HttpRequest, type HttpResponse } from "./http-request.js";

// HTTP Digest authentication (RFC 7616, MD5 with qop=auth), as the MongoDB Atlas Admin API uses
// with programmatic API keys.

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

function parseChallenge(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of header.replace(/^Digest\s+/i, "").matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    params[match[1]!.toLowerCase()] = match[2] ?? match[3] ?? "";
  }
  return params;
}

export function digestAuthorization(args: {
  challenge: string;
  method: string;
  uri: string;
  username: string;
  password: string;
  cnonce?: string;
}): string {
  const c = parseChallenge(args.challenge);
  const cnonce = args.cnonce ?? randomBytes(8).toString("hex");
  const nc = "00000001";
  const ha1 = md5(`${args.username}:${c.realm ?? ""}:${args.password}`);
  const ha2 = md5(`${args.method}:${args.uri}`);
  const qop = c.qop?.split(",").map((q) => q.trim()).includes("auth") ? "auth" : undefined;
  const response = qop ? md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
  const parts = [
    `username="${args.username}"`,
    `realm="${c.realm ?? ""}"`,
    `nonce="${c.nonce ?? ""}"`,
    `uri="${args.uri}"`,
    `response="${response}"`,
    `algorithm=MD5`,
  ];
  if (c.opaque) parts.push(`opaque="${c.opaque}"`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  return `Digest ${parts.join(", ")}`;
}

/** Sends the request; on a Digest challenge (401) answers it once. */
export async function digestRequest(req: HttpRequest, username: string, password: string): Promise<HttpResponse> {
  try {
    return await httpRequest(req);
  } catch (err) {
    const challenge = err instanceof HttpStatusError ? err.response.headers["www-authenticate"] : undefined;
    if (!(err instanceof HttpStatusError) || err.response.status !== 401 || !challenge || !/^Digest/i.test(challenge)) throw err;
    const url = new URL(req.url);
    const authorization = digestAuthorization({
      challenge,
      method: req.method ?? "GET",
      uri: `${url.pathname}${url.search}`,
      username,
      password,
    });
    return httpRequest({ ...req, headers: { ...req.headers, authorization } });
  }
}
