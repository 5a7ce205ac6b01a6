import { isIP } from "node:net";
import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";

export type UserAgentType = "web" | "cli" | "k8-operator" | "terraform" | "InfisicalNodeSDK" | "InfisicalPythonSDK" | "other";

/** What the audit log and the IP allow-lists need to know about the caller's connection. */
export type RequestContext = {
  reqId: string;
  ipAddress: string;
  userAgent: string;
  userAgentType: UserAgentType;
};

/**
 * The client address (D37), for trusted-IP allow-lists, rate-limit keys and audit rows alike: the
 * socket's address, or what the proxies named by TRUST_PROXY forwarded (Fastify's `trustProxy`,
 * resolved right to left through X-Forwarded-For). Infisical trusts client-IP headers as sent,
 * which lets any caller pass an allow-list; we do not. IPv4-mapped IPv6 addresses become IPv4.
 */
export function clientIp(request: FastifyRequest): string {
  const ip = request.ip ?? "";
  return ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/**
 * Config → Fastify's option. A hop count trusts that many proxies in front of us, Express-style
 * (Fastify 5 ignores a bare number, treating it as "trust nothing"): only for servers reachable
 * through those proxies alone.
 */
export function trustProxyOption(trust: Config["trustProxy"]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === "number") return (_address, hop) => hop < trust;
  return typeof trust === "boolean" ? trust : [...trust];
}

/** Infisical's classification, in its order: exact names first, then substrings. */
export function userAgentTypeOf(userAgent: string): UserAgentType {
  if (userAgent === "cli") return "cli";
  if (userAgent === "k8-operator" || userAgent.startsWith("k8-operator/")) return "k8-operator";
  if (userAgent === "terraform") return "terraform";
  if (userAgent.toLowerCase().includes("mozilla")) return "web";
  if (userAgent.includes("InfisicalNodeSDK")) return "InfisicalNodeSDK";
  if (userAgent.includes("InfisicalPythonSDK")) return "InfisicalPythonSDK";
  return "other";
}

export function requestContextOf(request: FastifyRequest): RequestContext {
  const userAgent = request.headers["user-agent"] ?? "";
  return {
    reqId: request.id,
    ipAddress: clientIp(request),
    userAgent,
    userAgentType: userAgentTypeOf(userAgent),
  };
}
