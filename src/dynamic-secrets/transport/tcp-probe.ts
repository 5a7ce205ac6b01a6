import net from "node:net";
import tls from "node:tls";
import { connectionFailed, ConnectionTimeoutError } from "./connection-error.js";
import { verifyHost } from "./host-check.js";
import type { ProviderContext } from "./context.js";

// The honest connection check for providers whose client we do not ship: open a TCP (or TLS)
// connection to the target within the timeout and close it. It proves reachability only.

export type TlsProbeOptions = { ca?: string; rejectUnauthorized?: boolean; servername?: string };

export function tcpProbe(host: string, port: number, timeoutMs: number, tlsOptions?: TlsProbeOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsOptions
      ? tls.connect({
          host,
          port,
          ca: tlsOptions.ca,
          rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
          servername: tlsOptions.servername && !net.isIP(tlsOptions.servername) ? tlsOptions.servername : undefined,
        })
      : net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionTimeoutError(timeoutMs));
    }, timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.once(tlsOptions ? "secureConnect" : "connect", () => done());
    socket.once("error", done);
  });
}

/** Checks `port` is a usable TCP port before connecting (net.connect throws synchronously otherwise). */
export function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Port should be >= 0 and < 65536. Received ${port}.`);
  }
}

/**
 * Host check + TCP/TLS reachability, for providers whose client we do not ship. Failures are
 * 400 `Failed to connect with provider: …` with `tokens` redacted.
 */
async function testReachable(args: {
  host: string;
  port: number;
  ctx: ProviderContext;
  tokens: readonly (string | number | null | undefined)[];
  tls?: TlsProbeOptions;
  isGateway?: boolean;
}): Promise<void> {
  const [address = args.host] = await verifyHost(args.host, args.ctx, { isGateway: args.isGateway });
  try {
    assertPort(args.port);
    await tcpProbe(address, args.port, args.ctx.connectionTimeoutMs, args.tls && { servername: args.host, ...args.tls });
  } catch (err) {
    throw connectionFailed(err, args.tokens);
  }
}

/**
 * testReachable for a server of host/port/username/password inputs (the SQL family), with the
 * username and password redacted and the gateway fields, where the provider has them, honoured.
 */
export function testServerReachable(
  inputs: { host: string; port: number; username: string; password: string; gatewayId?: string | null; gatewayPoolId?: string | null },
  ctx: ProviderContext,
  tls?: TlsProbeOptions,
): Promise<void> {
  const isGateway = Boolean(inputs.gatewayId || inputs.gatewayPoolId);
  return testReachable({ host: inputs.host, port: inputs.port, ctx, tokens: [inputs.password, inputs.username], tls, isGateway });
}
