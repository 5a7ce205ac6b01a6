import net from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildTestApp, type TestApp } from "../support/app.js";
import { envelope } from "../support/envelope.js";

// Issue 14: request and connection time limits on a listening server, with short configured limits.
// (Oversized headers and malformed HTTP: test/inject/errors/request-ids.test.ts.)

const REQUEST_TIMEOUT_MS = 1_000;
const KEEP_ALIVE_TIMEOUT_MS = 300;

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp({ env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS) } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  port = (t.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => t?.close());

type RawExchange = { response: string; closedAfterMs: number };

/** Opens a socket, lets `drive` write to it, collects everything until the server closes it. */
function exchange(drive: (socket: net.Socket) => void): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, "127.0.0.1");
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after 15 s; received: ${response}`));
    }, 15_000);
    let response = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => (response += d));
    socket.on("error", () => undefined); // a reset after the answer is fine
    socket.on("close", () => {
      clearTimeout(giveUp);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    socket.on("connect", () => drive(socket));
  });
}

function parse(raw: string): { status: number; headers: string; body: unknown } {
  const [head, body] = raw.split("\r\n\r\n");
  return { status: Number(head!.split(" ")[1]), headers: head!, body: JSON.parse(body!) };
}

test("a body that trickles in (1 byte / 100 ms) is cut at REQUEST_TIMEOUT_MS with a 408 envelope, and the connection closes", async () => {
  let timer: NodeJS.Timeout | undefined;
  const { response, closedAfterMs } = await exchange((socket) => {
    socket.write(
      "POST /api/v1/auth/universal-auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    timer = setInterval(() => socket.writable && socket.write(" "), 100);
  });
  clearInterval(timer);
  const answer = parse(response);
  expect(answer.status).toBe(408);
  expect(answer.headers).toMatch(/\r\nx-request-id: req-[0-9A-Za-z]{14}\r\n/);
  expect(answer.body).toEqual(envelope(408, "RequestTimeout", "The request was not received in time"));
  expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
});

test("headers that never finish get the same 408", async () => {
  const { response } = await exchange((socket) => socket.write("GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  expect(parse(response).body).toEqual(envelope(408, "RequestTimeout", "The request was not received in time"));
});

test("an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS", async () => {
  const { response, closedAfterMs } = await exchange((socket) =>
    socket.write("GET /api/status HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"),
  );
  expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(response).toMatch(/\r\nKeep-Alive: timeout=0?\.?\d+/i);
  expect(closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS);
});
