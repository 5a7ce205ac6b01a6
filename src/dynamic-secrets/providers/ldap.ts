import { z } from "zod";
import { connectionFailed } from "../transport/connection-error.js";
import { required } from "./fields.js";
import { verifyHost } from "../transport/host-check.js";
import { ldapSimpleBind, parseLdapUrl } from "../transport/ldap-bind.js";
import { defineProvider } from "./provider.js";

const ConnectionFields = {
  url: required(),
  binddn: required(),
  bindpass: required(),
  ca: z.string().optional(),
  sslRejectUnauthorized: z.boolean().default(true),
};

// A plain union, as in Infisical: the first branch that parses wins, and a failure of both is one
// `invalid_union` issue.
export const LdapInputsSchema = z.union([
  z.object({
    ...ConnectionFields,
    credentialType: z.literal("dynamic").default("dynamic"),
    creationLdif: z.string().min(1),
    revocationLdif: z.string().min(1),
    rollbackLdif: z.string().optional(),
  }),
  z.object({
    ...ConnectionFields,
    credentialType: z.literal("static"),
    rotationLdif: z.string().min(1),
  }),
]);

export const ldapProvider = defineProvider({
  type: "ldap",
  inputsSchema: LdapInputsSchema,
  secretFields: [],
  sensitiveFields: ["bindpass"],
  async validateConnection(inputs, ctx) {
    try {
      // Infisical runs no host check for LDAP; we apply the shared one to the URL's host.
      const { host } = parseLdapUrl(inputs.url);
      const [address] = await verifyHost(host, ctx);
      await ldapSimpleBind(
        {
          url: inputs.url,
          bindDn: inputs.binddn,
          password: inputs.bindpass,
          ca: inputs.ca,
          rejectUnauthorized: inputs.sslRejectUnauthorized,
          timeoutMs: ctx.connectionTimeoutMs,
        },
        address,
      );
    } catch (err) {
      throw connectionFailed(err, [inputs.bindpass, inputs.binddn]);
    }
  },
});
