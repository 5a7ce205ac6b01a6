import { describe, expect, test } from "vitest";
import { isPrivateIp, verifyHost, verifyUrlHost, verifyUrlTarget } from "../../../src/dynamic-secrets/transport/host-check.js";
import type { ProviderContext } from "../../../src/dynamic-secrets/providers/provider.js";
import { BadRequestError } from "../../../src/lib/errors.js";

const production: ProviderContext = { nodeEnv: "production", allowInternalIp: false, forbiddenHosts: [], connectionTimeoutMs: 2000 };
const LOCAL_HINT =
  " If you are self-hosting, you can allow local host IP addresses by setting the ''DYNAMIC_SECRET_ALLOW_INTERNAL_IP'' environment variable to 'true' on your instance.";
const PRIVATE_HINT =
  " If you are self-hosting, you can allow private IP addresses by setting the ''DYNAMIC_SECRET_ALLOW_INTERNAL_IP'' environment variable to 'true' on your instance.";
const IN_USE = (host: string) =>
  `The host ${host} belongs to a service that is in-use by Infisical, such as the Infisical database or Redis instance. You cannot use hosts that are in-use by Infisical.`;

async function rejection(promise: Promise<unknown>): Promise<BadRequestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestError);
  return err as BadRequestError;
}

describe("isPrivateIp (§3.2)", () => {
  test.each([
    "0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255",
    "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.51.100.1", "203.0.113.9",
    "224.0.0.1", "240.0.0.1", "255.255.255.255",
    "::", "::1", "ff02::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "2001:db8::1",
    "2001:2::1", "100::1", "::127.0.0.1", "::169.254.1.1", "::10.0.0.1", "2002:7f00:1::", "64:ff9b::7f00:1",
  ])("%s is not public", (ip) => {
    expect(isPrivateIp(ip)).toBe(true);
  });

  test.each(["8.8.8.8", "1.1.1.1", "2606:4700::1", "172.32.0.1", "100.128.0.1"])("%s is public", (ip) => {
    expect(isPrivateIp(ip)).toBe(false);
  });

  test("an unparseable address is 400 Invalid IP address", () => {
    expect(() => isPrivateIp("not-an-ip")).toThrow(new BadRequestError("Invalid IP address"));
  });
});

describe("verifyHost (§3.1, D19)", () => {
  test.each(["development", "test"] as const)("%s mode skips every check and returns the host", async (nodeEnv) => {
    await expect(verifyHost("localhost", { ...production, nodeEnv, forbiddenHosts: ["localhost"] })).resolves.toEqual(["localhost"]);
  });

  test("case 58: localhost in production", async () => {
    expect((await rejection(verifyHost("localhost", production))).message).toBe(
      `Local host IP addresses (localhost) are not allowed.${LOCAL_HINT}`,
    );
  });

  test("host.docker.internal is a local name; the name is lower-cased before the first colon", async () => {
    expect((await rejection(verifyHost("Host.Docker.Internal:5432", production))).message).toBe(
      `Local host IP addresses (host.docker.internal) are not allowed.${LOCAL_HINT}`,
    );
  });

  test("case 59: 127.0.0.1 in production", async () => {
    expect((await rejection(verifyHost("127.0.0.1", production))).message).toBe(
      `Private IP addresses (127.0.0.1) are not allowed.${PRIVATE_HINT}`,
    );
  });

  test("mongo-db's hint names ALLOW_INTERNAL_IP_CONNECTIONS", async () => {
    const err = await rejection(verifyHost("10.0.0.5", production, { flagName: "ALLOW_INTERNAL_IP_CONNECTIONS" }));
    expect(err.message).toContain("''ALLOW_INTERNAL_IP_CONNECTIONS''");
  });

  test("a public IP literal passes and is returned", async () => {
    await expect(verifyHost("8.8.8.8", production)).resolves.toEqual(["8.8.8.8"]);
  });

  test("allowInternalIp lets loopback and private targets through", async () => {
    const ctx = { ...production, allowInternalIp: true };
    await expect(verifyHost("127.0.0.1", ctx)).resolves.toEqual(["127.0.0.1"]);
    await expect(verifyHost("192.168.10.10", ctx)).resolves.toEqual(["192.168.10.10"]);
    expect(await verifyHost("localhost", ctx)).toContain("127.0.0.1");
  });

  test("case 60: our own database host is refused even with allowInternalIp", async () => {
    const ctx = { ...production, allowInternalIp: true, forbiddenHosts: ["127.0.0.1"] };
    expect((await rejection(verifyHost("localhost", ctx))).message).toBe(IN_USE("localhost"));
    expect((await rejection(verifyHost("127.0.0.1", ctx))).message).toBe(IN_USE("127.0.0.1"));
  });

  test("the reserved check compares resolved addresses of our database host name", async () => {
    const ctx = { ...production, allowInternalIp: true, forbiddenHosts: ["localhost"] };
    expect((await rejection(verifyHost("127.0.0.1", ctx))).message).toBe(IN_USE("127.0.0.1"));
  });

  test("a gateway target skips the checks", async () => {
    await expect(verifyHost("localhost", production, { isGateway: true })).resolves.toEqual(["localhost"]);
  });

  test("a name that does not resolve is a 400 connection failure (Infisical: 500)", async () => {
    const err = await rejection(verifyHost("no-such-host.invalid", production));
    expect(err.message).toMatch(/^Failed to connect with provider: /);
  });

  test("verifyUrlHost checks the URL's hostname, not the scheme", async () => {
    expect((await rejection(verifyUrlHost("http://localhost", production))).message).toBe(
      `Local host IP addresses (localhost) are not allowed.${LOCAL_HINT}`,
    );
    expect((await rejection(verifyUrlHost("https://[::1]:9200", production))).message).toBe(
      `Private IP addresses (::1) are not allowed.${PRIVATE_HINT}`,
    );
  });
});

describe("verifyUrlTarget (§3.3)", () => {
  test.each([
    ["https://user:pass@example.com", "URLs with user credentials (e.g., user:pass@) are not allowed"],
    ["https://localhost:6443", "Local IPs not allowed as URL"],
    ["https://10.0.0.1:6443", "Local IPs not allowed as URL"],
    ["not a url", "Invalid URL"],
  ])("%s → %s", async (url, message) => {
    expect((await rejection(verifyUrlTarget(url, production))).message).toBe(message);
  });

  test("development/test mode and allowInternalIp let local targets through", async () => {
    await expect(verifyUrlTarget("http://localhost:19530", { ...production, nodeEnv: "test" })).resolves.toBeUndefined();
    await expect(verifyUrlTarget("http://127.0.0.1:19530", { ...production, allowInternalIp: true })).resolves.toBeUndefined();
  });

  test("our own database stays refused", async () => {
    const ctx = { ...production, allowInternalIp: true, forbiddenHosts: ["127.0.0.1"] };
    expect((await rejection(verifyUrlTarget("http://127.0.0.1:19530", ctx))).message).toBe(IN_USE("127.0.0.1"));
  });
});
