import { z } from "zod";
import { BadRequestError } from "../../lib/errors.js";
import { CONNECT_FAILED_PREFIX } from "../transport/connection-error.js";
import { defineProvider } from "./provider.js";

export const GcpIamInputsSchema = z.object({
  serviceAccountEmail: z.string().trim().min(1, "Service account email required").email().max(128),
  tokenScopes: z
    .array(z.string())
    .min(1, "At least one scope is required")
    .default(["https://www.googleapis.com/auth/iam", "https://www.googleapis.com/auth/cloud-platform"]),
});

export const gcpIamProvider = defineProvider({
  type: "gcp-iam",
  inputsSchema: GcpIamInputsSchema,
  secretFields: [],
  async validateConnection() {
    // Impersonating the service account needs the instance's own GCP credential
    // (INF_APP_CONNECTION_GCP_SERVICE_ACCOUNT_CREDENTIAL in Infisical), which this server has no
    // setting for: the test cannot pass, and says why.
    throw new BadRequestError(
      `${CONNECT_FAILED_PREFIX}this server has no GCP service account credential to impersonate the service account with`,
    );
  },
});
