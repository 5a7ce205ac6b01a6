import { z } from "zod";
import { SqlConnectionFields, trimmed, withHostIp } from "./fields.js";
import { defineProvider } from "./provider.js";
import { testServerReachable } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";

export const SapAseInputsSchema = z
  .object({
    ...SqlConnectionFields,
    database: trimmed(),
    creationStatement: trimmed(),
    revocationStatement: trimmed(),
  })
  .transform(withHostIp);

export const sapAseProvider = defineProvider({
  type: "sap-ase",
  inputsSchema: SapAseInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    validateStatements(inputs, [
      { field: "creationStatement", templateName: "SAP ASE creation", variables: ["username", "password"] },
      { field: "revocationStatement", templateName: "SAP ASE revoke", variables: ["username"], onlyIfSet: true },
    ]);
  },
  async validateConnection(inputs, ctx) {
    // No ODBC/FreeTDS driver is shipped: reachability of the server port only.
    await testServerReachable(inputs, ctx);
  },
});
