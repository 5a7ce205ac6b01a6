import { startFakeHttp, type FakeHttpServer, type RecordedRequest } from "./fake-http.js";

// A loopback Elasticsearch standing in for the security API the elastic-search provider's leases
// use, answering as Elasticsearch 8 does: every request authenticated (Basic for native users,
// `ApiKey base64(id:key)` for API keys; else 401 security_exception); `PUT /_security/user/<name>`
// (password ≥ 6 characters, roles required; {created: true|false}) and
// `DELETE /_security/user/<name>` ({found: true}, or 404 {found: false}) need the manage_security
// privilege (else 403); `GET /_security/_authenticate` answers who the caller is, which is how a
// test "logs in" with a lease's credentials.

export type FakeElasticUser = { password: string; roles: string[]; full_name: string | null; superuser?: boolean };

export type FakeElasticsearch = FakeHttpServer & {
  users: Map<string, FakeElasticUser>;
  /** API keys by id: `manage` says whether it may manage users. */
  apiKeys: Map<string, { key: string; manage: boolean }>;
  /** The requests that changed users (PUT/DELETE of /_security/user/…). */
  userRequests(): RecordedRequest[];
  /** How long a DELETE of a user takes to answer (a slow target). */
  deleteLatencyMs: number;
};

const securityError = (status: number, type: string, reason: string) => ({ status, body: { error: { root_cause: [{ type, reason }], type, reason }, status } });

export async function startFakeElasticsearch(admin = { username: "elastic", password: "es-admin-pass" }): Promise<FakeElasticsearch> {
  const users = new Map<string, FakeElasticUser>([[admin.username, { password: admin.password, roles: ["superuser"], full_name: null, superuser: true }]]);
  const apiKeys = new Map<string, { key: string; manage: boolean }>();

  /** Who is calling, and may they manage users; undefined when the credentials are not valid. */
  function caller(req: RecordedRequest): { name: string; manage: boolean; user?: FakeElasticUser } | undefined {
    const [scheme, value] = (req.headers.authorization ?? "").split(" ");
    if (!value) return undefined;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (scheme === "Basic") {
      const user = users.get(id);
      return user && user.password === secret ? { name: id, manage: user.superuser === true, user } : undefined;
    }
    if (scheme === "ApiKey") {
      const key = apiKeys.get(id);
      return key && key.key === secret ? { name: `api-key:${id}`, manage: key.manage } : undefined;
    }
    return undefined;
  }

  const self = { deleteLatencyMs: 0 };

  const unauthenticated = (req: RecordedRequest) =>
    securityError(401, "security_exception", `unable to authenticate with provided credentials and anonymous access is not allowed for this request [${req.path}]`);

  const fake = await startFakeHttp({
    "GET /": (req) =>
      caller(req) ? { status: 200, body: { name: "node-1", cluster_name: "fake", version: { number: "8.15.0" }, tagline: "You Know, for Search" } } : unauthenticated(req),
    "GET /_security/_authenticate": (req) => {
      const who = caller(req);
      if (!who) return unauthenticated(req);
      return {
        status: 200,
        body: { username: who.name, roles: who.user?.roles ?? [], full_name: who.user?.full_name ?? null, authentication_realm: { name: "native1", type: "native" } },
      };
    },
    "PUT /_security/user/*": (req) => {
      const who = caller(req);
      if (!who) return unauthenticated(req);
      if (!who.manage) return securityError(403, "security_exception", `action [cluster:admin/xpack/security/user/put] is unauthorized for user [${who.name}]`);
      const name = decodeURIComponent(req.path.slice("/_security/user/".length).split("?")[0]!);
      let body: { password?: unknown; roles?: unknown; full_name?: unknown };
      try {
        body = JSON.parse(req.body);
      } catch {
        return securityError(400, "parse_exception", "request body is required");
      }
      const problems: string[] = [];
      if (!/^[\x21-\x7e]([\x20-\x7e]{0,505}[\x21-\x7e])?$/.test(name)) problems.push("Usernames must be at least 1 and no more than 507 characters.");
      const exists = users.has(name);
      if (!exists && (typeof body.password !== "string" || body.password.length < 6)) problems.push("passwords must be at least [6] characters long");
      if (!Array.isArray(body.roles)) problems.push("roles are missing");
      if (problems.length > 0) {
        return securityError(400, "action_request_validation_exception", `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join("")}`);
      }
      users.set(name, {
        password: typeof body.password === "string" ? body.password : users.get(name)!.password,
        roles: body.roles as string[],
        full_name: typeof body.full_name === "string" ? body.full_name : null,
      });
      return { status: 200, body: { created: !exists } };
    },
    "DELETE /_security/user/*": async (req) => {
      if (self.deleteLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, self.deleteLatencyMs));
      const who = caller(req);
      if (!who) return unauthenticated(req);
      if (!who.manage) return securityError(403, "security_exception", `action [cluster:admin/xpack/security/user/delete] is unauthorized for user [${who.name}]`);
      const name = decodeURIComponent(req.path.slice("/_security/user/".length).split("?")[0]!);
      if (!users.delete(name)) return { status: 404, body: { found: false } };
      return { status: 200, body: { found: true } };
    },
  });
  return Object.assign(self, fake, {
    users,
    apiKeys,
    userRequests: () => fake.requests.filter((r) => r.path.startsWith("/_security/user/")),
  });
}

/** Logs in as `username` (GET /_security/_authenticate with Basic auth); true when accepted. */
export async function elasticLogin(es: FakeElasticsearch, username: string, password: string): Promise<boolean> {
  const response = await fetch(`${es.url}/_security/_authenticate`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
  });
  return response.status === 200 && (await response.json()).username === username;
}
