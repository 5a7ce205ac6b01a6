import { BlockList, isIP } from "node:net";
import type { TrustedIp } from "../db/tables/common.js";
import { trustedIpLists } from "../lib/caches.js";
import { BadRequestError } from "../lib/errors.js";

// IP allow-lists of auth methods, stored as {ipAddress, type, prefix}.

export const ALLOW_ALL_IPS: TrustedIp[] = [
  { ipAddress: "0.0.0.0", type: "ipv4", prefix: 0 },
  { ipAddress: "::", type: "ipv6", prefix: 0 },
];

/** "10.0.0.1", "10.0.0.0/8", "::1/128" → stored form; anything else is the spec's 400. */
export function parseTrustedIp(input: string): TrustedIp {
  const [address = "", prefixText, ...rest] = input.trim().split("/");
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new BadRequestError("The IP is not a valid IPv4, IPv6, or CIDR block");
  }
  return { ipAddress: address, type: family === 4 ? "ipv4" : "ipv6", prefix };
}

/** Whether the client address falls in one of the ranges (IPv4-mapped IPv6 addresses count as IPv4). */
export function isIpTrusted(clientIp: string, ranges: readonly TrustedIp[]): boolean {
  const ip = clientIp.startsWith("::ffff:") && isIP(clientIp.slice(7)) === 4 ? clientIp.slice(7) : clientIp;
  const family = isIP(ip);
  if (family === 0) return false;
  return blockListOf(ranges).check(ip, family === 4 ? "ipv4" : "ipv6");
}

/** The ranges as a BlockList, built once per distinct list (lib/caches.ts): building one costs more than checking. */
function blockListOf(ranges: readonly TrustedIp[]): BlockList {
  const key = ranges.map((range) => `${range.type} ${range.ipAddress}/${range.prefix}`).join(",");
  let list = trustedIpLists.get(key);
  if (list) return list;
  list = new BlockList();
  for (const range of ranges) {
    try {
      list.addSubnet(range.ipAddress, range.prefix, range.type);
    } catch {
      // A malformed stored range matches nothing.
    }
  }
  trustedIpLists.set(key, list);
  return list;
}
