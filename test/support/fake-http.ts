import http from "node:http";
import type { AddressInfo } from "node:net";

// A loopback HTTP server (127.0.0.1, port 0) standing in for a third-party API in provider
// connection tests. Each route answers as the real API does; every request is recorded.

export type RecordedRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };
export type FakeReply = { status: number; body?: unknown; headers?: Record<string, string> };
export type FakeRoute = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export type FakeHttpServer = {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Routes by "METHOD /path" (path without query string); "METHOD /prefix/*" matches any path below the prefix. */
  route(key: string, handler: FakeRoute): void;
  close(): Promise<void>;
};

export async function startFakeHttp(routes: Record<string, FakeRoute> = {}): Promise<FakeHttpServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      const key = `${recorded.method} ${recorded.path.split("?")[0]}`;
      const handler =
        table.get(key) ?? [...table].find(([pattern]) => pattern.endsWith("/*") && key.startsWith(pattern.slice(0, -1)))?.[1];
      let reply: FakeReply;
      try {
        reply = handler ? await handler(recorded) : { status: 404, body: { message: "Not Found" } };
      } catch (err) {
        reply = { status: 500, body: { message: `fake handler failed: ${(err as Error).message}` } };
      }
      const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        "content-type": typeof reply.body === "string" ? "text/plain" : "application/json",
        ...reply.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (key, handler) => void table.set(key, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
