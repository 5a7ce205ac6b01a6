import type { FastifyRequest } from "fastify";

// Headers Infisical reads the client address from, in its order (auth-and-permissions.md §0.3).
// Like Infisical, they are trusted as sent: deploy behind a proxy that sets them.
const CLIENT_IP_HEADERS = [
  "cf-connecting-ip",
  "cf-pseudo-ipv4",
  "x-client-ip",
  "x-envoy-external-address",
  "x-forwarded-for",
  "fastly-client-ip",
  "true-client-ip",
  "x-real-ip",
  "x-cluster-client-ip",
  "forwarded-for",
  "x-forwarded",
  "forwarded",
  "x-appengine-user-ip",
] as const;

export type UserAgentType = "web" | "cli" | "k8-operator" | "terraform" | "InfisicalNodeSDK" | "InfisicalPythonSDK" | "other";

/** What the audit log and the IP allow-lists need to know about the caller's connection. */
export type RequestContext = {
  reqId: string;
  ipAddress: string;
  userAgent: string;
  userAgentType: UserAgentType;
};

export function clientIp(request: FastifyRequest): string {
  for (const name of CLIENT_IP_HEADERS) {
    const raw = request.headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value && value.trim()) return value.split(",")[0]!.trim();
  }
  return request.socket.remoteAddress ?? "";
}

/** Infisical's classification, in its order (patch-endpoint.md §5): exact names first, then substrings. */
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
