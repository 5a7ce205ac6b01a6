import net from "node:net";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import type { DynamicSecretProvider, ProviderContext } from "../../../src/dynamic-secrets/providers/provider.js";
import { createBuiltinProviderRegistry, createProviderRegistry } from "../../../src/dynamic-secrets/providers/index.js";
import { BadRequestError } from "../../../src/lib/errors.js";

export const registry = createBuiltinProviderRegistry();

/** Test mode (host checks skipped, D19) with a short timeout. */
export const testCtx: ProviderContext = { nodeEnv: "test", allowInternalIp: false, forbiddenHosts: [], connectionTimeoutMs: 3000 };

/** Parses the inputs as the service does, then runs the provider's connection test. */
export async function connect(type: string, inputs: unknown, ctx: ProviderContext = testCtx): Promise<void> {
  const parsed = registry.parseInputs(type, inputs, []);
  await registry.get(type)!.validateConnection(parsed, ctx);
}

/** The 400 a failing connection test answers with; its message. */
export async function failureMessage(type: string, inputs: unknown, ctx: ProviderContext = testCtx): Promise<string> {
  const err = await connect(type, inputs, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestError);
  return (err as BadRequestError).message;
}

/** A TCP server on 127.0.0.1 that accepts connections (and optionally answers them). */
export async function startTcpServer(onConnection: (socket: net.Socket) => void = () => {}) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs one provider instance (e.g. one pointed at a loopback fake) as the service would. */
export async function connectWith(provider: DynamicSecretProvider, inputs: unknown, ctx: ProviderContext = testCtx) {
  const parsed = createProviderRegistry([provider]).parseInputs(provider.type, inputs, []);
  await provider.validateConnection(parsed, ctx);
}

export async function failureWith(provider: DynamicSecretProvider, inputs: unknown, ctx: ProviderContext = testCtx): Promise<string> {
  const err = await connectWith(provider, inputs, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestError);
  return (err as BadRequestError).message;
}
