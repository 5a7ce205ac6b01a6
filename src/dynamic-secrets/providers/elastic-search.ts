import { z } from "zod";
import { connectionFailed, leaseFailed } from "../transport/connection-error.js";
import { port, required, trimmed, TlsFields } from "./fields.js";
import { verifyUrlHost } from "../transport/host-check.js";
import { basicAuth, httpRequest } from "../transport/http-request.js";
import { defineProvider, type ProviderContext } from "./provider.js";
import { generateLongPassword } from "../../lib/random.js";

export const ElasticSearchInputsSchema = z.object({
  /** With its scheme: `http://…` or `https://…`. */
  host: required(),
  port: port(),
  roles: z.array(required()).min(1),
  auth: z.discriminatedUnion("type", [
    z.object({ type: z.literal("user"), username: trimmed(), password: trimmed() }),
    z.object({ type: z.literal("api-key"), apiKey: trimmed(), apiKeyId: trimmed() }),
  ]),
  ...TlsFields,
});

type ElasticSearchInputs = z.output<typeof ElasticSearchInputsSchema>;

const authorizationOf = ({ auth }: ElasticSearchInputs) =>
  auth.type === "user"
    ? basicAuth(auth.username, auth.password)
    : `ApiKey ${Buffer.from(`${auth.apiKeyId}:${auth.apiKey}`).toString("base64")}`;

/** The configured credentials, for redaction. */
const credentialsOf = ({ auth }: ElasticSearchInputs) => (auth.type === "user" ? [auth.username, auth.password] : [auth.apiKey, auth.apiKeyId]);

/** One call of the Elasticsearch REST API as the configured user or API key. */
async function elastic(inputs: ElasticSearchInputs, ctx: ProviderContext, method: string, path: string, body?: unknown) {
  await verifyUrlHost(inputs.host, ctx);
  return httpRequest({
    url: `${inputs.host}:${inputs.port}${path}`,
    method,
    headers: { authorization: authorizationOf(inputs), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs: ctx.connectionTimeoutMs,
    ca: inputs.ca,
    rejectUnauthorized: inputs.ca ? inputs.sslRejectUnauthorized : true,
  });
}

const userPath = (username: string) => `/_security/user/${encodeURIComponent(username)}`;

// Leases: a native-realm user per lease through the security API — create is
// `PUT /_security/user/<name>` with a 64-character password, the configured roles and Infisical's
// full name; revoke is `DELETE /_security/user/<name>` (a user already gone is a failure, as in
// Infisical); renew only moves expireAt (Elasticsearch users do not expire).
export const elasticSearchProvider = defineProvider({
  type: "elastic-search",
  inputsSchema: ElasticSearchInputsSchema,
  secretFields: [],
  sensitiveFields: ["auth.password", "auth.apiKey"],
  async validateConnection(inputs, ctx) {
    try {
      await elastic(inputs, ctx, "GET", "/"); // the cluster `info` call
    } catch (err) {
      throw connectionFailed(err, credentialsOf(inputs));
    }
  },
  targetFields: ["host", "port"],
  async create({ inputs, entityId, ctx }) {
    const password = generateLongPassword();
    try {
      await elastic(inputs, ctx, "PUT", userPath(entityId), { password, roles: inputs.roles, full_name: "Managed by Infisical.com" });
    } catch (err) {
      throw leaseFailed("create", err, [entityId, password, ...credentialsOf(inputs)]);
    }
    return { data: { DB_USERNAME: entityId, DB_PASSWORD: password } };
  },
  async revoke({ inputs, entityId, ctx }) {
    try {
      await elastic(inputs, ctx, "DELETE", userPath(entityId));
    } catch (err) {
      throw leaseFailed("revoke", err, [entityId, ...credentialsOf(inputs)]);
    }
  },
});
