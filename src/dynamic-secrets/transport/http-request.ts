import http from "node:http";
import https from "node:https";
import { ConnectionTimeoutError } from "./connection-error.js";

// One HTTP request for connection tests of HTTP APIs (RabbitMQ management, Elasticsearch, GitHub,
// MongoDB Atlas…). node:http(s) rather than fetch because a pinned CA and
// `sslRejectUnauthorized` must be honoured. Redirects are never followed. Non-2xx answers fail
// with axios's wording (`Request failed with status code <n>`), which Infisical's messages show.

export type HttpRequest = {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  ca?: string;
  rejectUnauthorized?: boolean;
};

export type HttpResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

export class HttpStatusError extends Error {
  constructor(readonly response: HttpResponse) {
    super(`Request failed with status code ${response.status}`);
  }
}

export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      reject(new Error("Invalid URL"));
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      reject(new Error(`Unsupported protocol ${url.protocol}`));
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      {
        method: req.method ?? "GET",
        headers: { accept: "application/json", ...req.headers },
        ...(url.protocol === "https:" ? { ca: req.ca, rejectUnauthorized: req.rejectUnauthorized ?? true } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", fail);
        res.on("end", () => {
          clearTimeout(timer);
          const response = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") };
          if (response.status >= 200 && response.status < 300) resolve(response);
          else reject(new HttpStatusError(response));
        });
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new ConnectionTimeoutError(req.timeoutMs));
    }, req.timeoutMs);
    function fail(err: Error) {
      clearTimeout(timer);
      reject(err);
    }
    request.on("error", fail);
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** The JSON body of a response, or undefined when it is not JSON. */
export function jsonOf(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}
