import { existsSync, readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { SEED_PATH } from "./contract.js";

const SHARED = new URL("../../../../shared/openapi/patch-dynamic-secret.yaml", import.meta.url);

test("the repository's copy of the PATCH contract matches shared/openapi when that folder is beside the clone", () => {
  const copy = readFileSync(SEED_PATH, "utf8");
  expect(copy).toContain("/api/v1/dynamic-secrets/{name}");
  if (existsSync(SHARED)) expect(copy).toBe(readFileSync(SHARED, "utf8"));
});
