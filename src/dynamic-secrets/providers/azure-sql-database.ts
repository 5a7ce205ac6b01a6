import { z } from "zod";
import { GatewayFields, PasswordRequirementsSchema, SqlConnectionFields, StatementFields, trimmed } from "./fields.js";
import { defineProvider } from "./provider.js";
import { testServerReachable } from "../transport/tcp-probe.js";
import { validateStatements } from "../templates/check.js";

export const AzureSqlDatabaseInputsSchema = z.object({
  ...SqlConnectionFields,
  database: trimmed(),
  masterDatabase: trimmed().default("master"),
  passwordRequirements: PasswordRequirementsSchema.optional(),
  masterCreationStatement: trimmed(),
  ...StatementFields,
  ca: z.string().optional(),
  sslEnabled: z.boolean().optional(),
  sslRejectUnauthorized: z.boolean().default(true),
  ...GatewayFields,
});

export const azureSqlDatabaseProvider = defineProvider({
  type: "azure-sql-database",
  inputsSchema: AzureSqlDatabaseInputsSchema,
  secretFields: [],
  sensitiveFields: ["password"],
  checkInputs(inputs) {
    // Infisical's exact template names for this provider are unconfirmed.
    validateStatements(inputs, [
      { field: "masterCreationStatement", templateName: "Azure SQL master creation", variables: ["username", "password", "expiration", "database"] },
      { field: "creationStatement", templateName: "Azure SQL creation", variables: ["username", "password", "expiration", "database"] },
      { field: "renewStatement", templateName: "Azure SQL renew", variables: ["username", "expiration", "database"], onlyIfSet: true },
      { field: "revocationStatement", templateName: "Azure SQL revoke", variables: ["username", "database"] },
    ]);
  },
  async validateConnection(inputs, ctx) {
    // No SQL Server (TDS) client is shipped: reachability of the server port only.
    await testServerReachable(inputs, ctx);
  },
});
