import { z } from "zod";
import { GatewayFields, PasswordRequirementsSchema, SqlConnectionFields, trimmed } from "./fields.js";
import { defineProvider } from "./provider.js";
import { testServerReachable } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";

export const VerticaInputsSchema = z.object({
  ...SqlConnectionFields,
  database: trimmed(),
  ...GatewayFields,
  creationStatement: trimmed(),
  revocationStatement: trimmed(),
  passwordRequirements: PasswordRequirementsSchema.optional(),
});

export const verticaProvider = defineProvider({
  type: "vertica",
  inputsSchema: VerticaInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatements(inputs, [
      { field: "creationStatement", templateName: "Vertica creation", variables: ["username", "password"] },
      { field: "revocationStatement", templateName: "Vertica revoke", variables: ["username"] },
    ]);
  },
  async validateConnection(inputs, ctx) {
    // No Vertica client is shipped: reachability of the server port only.
    await testServerReachable(inputs, ctx);
  },
});
