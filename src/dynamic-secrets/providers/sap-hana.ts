import { z } from "zod";
import { SqlConnectionFields, StatementFields, TlsFields } from "./fields.js";
import { defineProvider } from "./provider.js";
import { testServerReachable } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";

export const SapHanaInputsSchema = z.object({
  ...SqlConnectionFields,
  ...StatementFields,
  ...TlsFields,
});

export const sapHanaProvider = defineProvider({
  type: "sap-hana",
  inputsSchema: SapHanaInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatements(inputs, [
      { field: "creationStatement", templateName: "SAP Hana creation", variables: ["username", "password", "expiration"] },
      { field: "renewStatement", templateName: "SAP Hana renew", variables: ["username", "expiration"], onlyIfSet: true },
      { field: "revocationStatement", templateName: "SAP Hana revoke", variables: ["username"] },
    ]);
  },
  async validateConnection(inputs, ctx) {
    // No SAP HANA client is shipped: reachability of the SQL port only.
    await testServerReachable(inputs, ctx, inputs.ca ? { ca: inputs.ca, rejectUnauthorized: inputs.sslRejectUnauthorized } : undefined);
  },
});
