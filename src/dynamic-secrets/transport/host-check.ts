import { lookup } from "node:dns/promises";
import net from "node:net";
import { BadRequestError } from "../../lib/errors.js";
import type { ProviderContext } from "./context.js";

// Host (SSRF) checks shared by every network provider (D19).

type FlagName = "DYNAMIC_SECRET_ALLOW_INTERNAL_IP" | "ALLOW_INTERNAL_IP_CONNECTIONS";

export type HostCheckOptions = {
  /** The variable named in the hint; Infisical names the dynamic-secret one except for mongo-db. */
  flagName?: FlagName;
  /** Gateway targets skip the checks (unused while gateways are unsupported, D20). */
  isGateway?: boolean;
};

// Infisical wraps the variable name in two single quotes on each side.
const localHint = (flag: FlagName) =>
  ` If you are self-hosting, you can allow local host IP addresses by setting the ''${flag}'' environment variable to 'true' on your instance.`;
const privateHint = (flag: FlagName) =>
  ` If you are self-hosting, you can allow private IP addresses by setting the ''${flag}'' environment variable to 'true' on your instance.`;

const LOCAL_NAMES = new Set(["localhost", "host.docker.internal"]);

const PRIVATE_V4: [string, number][] = [
  ["0.0.0.0", 8], ["255.255.255.255", 32], ["224.0.0.0", 4], ["169.254.0.0", 16], ["127.0.0.0", 8],
  ["100.64.0.0", 10], ["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["192.0.0.0", 24],
  ["192.0.2.0", 24], ["192.88.99.0", 24], ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24],
  ["240.0.0.0", 4],
];
const private4 = new net.BlockList();
for (const [address, prefix] of PRIVATE_V4) private4.addSubnet(address, prefix, "ipv4");

// IPv6 is public only inside global unicast 2000::/3, minus the special blocks that live there
// (IETF protocol assignments incl. Teredo/benchmarking, documentation, 6to4). Everything else —
// ::, ::1, v4-mapped/compatible, NAT64, link-local, unique-local, multicast — is not public.
const globalUnicast6 = new net.BlockList();
globalUnicast6.addSubnet("2000::", 3, "ipv6");
const special6 = new net.BlockList();
for (const [address, prefix] of [["2001::", 23], ["2001:db8::", 32], ["2002::", 16], ["3fff::", 20]] as const) {
  special6.addSubnet(address, prefix, "ipv6");
}

/** True when `ip` is not a public unicast address. Throws 400 `Invalid IP address` for a non-IP. */
export function isPrivateIp(ip: string): boolean {
  const address = ip.replace(/%.*$/, "");
  const family = net.isIP(address);
  if (family === 4) return private4.check(address, "ipv4");
  if (family === 6) return !globalUnicast6.check(address, "ipv6") || special6.check(address, "ipv6");
  throw new BadRequestError("Invalid IP address");
}

/** Canonical text for comparing addresses (v4-mapped IPv6 → IPv4, lower case). */
function canonical(ip: string): string {
  const lower = ip.toLowerCase().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

async function resolveAll(name: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`getaddrinfo ETIMEOUT ${name}`)), timeoutMs);
  });
  try {
    const found = await Promise.race([lookup(name, { all: true, verbatim: true }), timeout]);
    return found.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}

async function reservedAddresses(ctx: ProviderContext): Promise<Set<string>> {
  const reserved = new Set<string>();
  for (const host of ctx.forbiddenHosts) {
    if (!host) continue;
    const bare = host.replace(/^\[|\]$/g, "");
    if (net.isIP(bare)) {
      reserved.add(canonical(bare));
      continue;
    }
    try {
      for (const address of await resolveAll(bare, ctx.connectionTimeoutMs)) reserved.add(canonical(address));
    } catch {
      // Our own database host did not resolve: nothing to compare against.
    }
  }
  return reserved;
}

function assertNotReserved(host: string, addresses: string[], reserved: Set<string>): void {
  if (addresses.some((a) => reserved.has(canonical(a)))) {
    throw new BadRequestError(
      `The host ${host} belongs to a service that is in-use by Infisical, such as the Infisical database or Redis instance. You cannot use hosts that are in-use by Infisical.`,
    );
  }
}

async function resolveOrFail(name: string, ctx: ProviderContext): Promise<string[]> {
  try {
    return await resolveAll(name, ctx.connectionTimeoutMs);
  } catch (err) {
    // Infisical lets the resolver error escape as a 500; a name that does not resolve is the
    // caller's input, so we answer 400.
    const message = err instanceof Error ? err.message : String(err);
    throw new BadRequestError(`Failed to connect with provider: ${message}`);
  }
}

/**
 * Infisical's `verifyHostInputValidity`. Returns the addresses to connect to (the host itself in
 * development/test mode). The first one is what providers store as `hostIp`.
 */
export async function verifyHost(host: string, ctx: ProviderContext, options: HostCheckOptions = {}): Promise<string[]> {
  if (ctx.nodeEnv === "development" || ctx.nodeEnv === "test") return [host];
  if (options.isGateway) return [host];
  const flag = options.flagName ?? "DYNAMIC_SECRET_ALLOW_INTERNAL_IP";
  const reserved = await reservedAddresses(ctx);

  const literal = host.trim().replace(/^\[|\]$/g, "");
  const isLiteral = net.isIP(literal.replace(/%.*$/, "")) !== 0;
  const name = isLiteral ? literal : (host.split(":")[0] ?? "").trim().toLowerCase();

  let addresses: string[];
  if (isLiteral) {
    addresses = [literal];
  } else {
    if (!ctx.allowInternalIp && LOCAL_NAMES.has(name)) {
      throw new BadRequestError(`Local host IP addresses (${name}) are not allowed.${localHint(flag)}`);
    }
    addresses = await resolveOrFail(name, ctx);
  }
  if (!ctx.allowInternalIp && addresses.some(isPrivateIp)) {
    throw new BadRequestError(`Private IP addresses (${name}) are not allowed.${privateHint(flag)}`);
  }
  assertNotReserved(host, addresses, reserved);
  return addresses;
}

/**
 * For providers whose host carries a scheme (RabbitMQ, Elasticsearch): checks the URL's
 * hostname. Infisical hands the whole URL to the host validator, which then fails on DNS (500).
 */
export async function verifyUrlHost(hostWithScheme: string, ctx: ProviderContext, options: HostCheckOptions = {}) {
  let hostname: string | undefined;
  try {
    hostname = new URL(hostWithScheme).hostname || undefined;
  } catch {
    hostname = undefined;
  }
  return verifyHost(hostname ?? hostWithScheme, ctx, options);
}

/**
 * The URL-level check (Kubernetes, Milvus). Per D19 it is skipped in development/test mode
 * and `allowInternalIp` lets loopback/private targets through; our own database never.
 */
export async function verifyUrlTarget(url: string, ctx: ProviderContext, options: HostCheckOptions = {}): Promise<void> {
  if (ctx.nodeEnv === "development" || ctx.nodeEnv === "test" || options.isGateway) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequestError("Invalid URL");
  }
  if (parsed.username || parsed.password) {
    throw new BadRequestError("URLs with user credentials (e.g., user:pass@) are not allowed");
  }
  const hostname = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (!ctx.allowInternalIp && LOCAL_NAMES.has(hostname)) throw new BadRequestError("Local IPs not allowed as URL");
  const addresses = net.isIP(hostname) ? [hostname] : await resolveOrFail(hostname, ctx);
  if (addresses.length === 0) throw new BadRequestError("Could not resolve hostname to any IP address");
  if (!ctx.allowInternalIp && addresses.some(isPrivateIp)) throw new BadRequestError("Local IPs not allowed as URL");
  assertNotReserved(hostname, addresses, await reservedAddresses(ctx));
}
