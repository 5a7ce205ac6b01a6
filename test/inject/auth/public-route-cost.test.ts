import { createRequire, syncBuiltinESMExports } from "node:module";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import type { TestApp } from "../../support/app.js";
import { type BootstrappedInstance, buildBootstrappedApp, createIdentityWithToken } from "../../support/factories.js";

// The public routes answer a request that cannot succeed without running the slow hash (scrypt is
// node's, observed here through a spy on node:crypto, not on our code).

const crypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t?.close());
afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

function countScrypt() {
  const spy = vi.spyOn(crypto, "scrypt");
  syncBuiltinESMExports();
  return spy;
}

test("bootstrap on a set-up instance: 400 without hashing the password", async () => {
  const scrypt = countScrypt();
  const response = await t.app.inject({
    method: "POST",
    url: "/api/v1/admin/bootstrap",
    payload: { email: "x@example.com", password: "pw", organization: "again" },
  });
  expect(response.json()).toEqual({ reqId: expect.any(String), statusCode: 400, message: "Instance has already been set up", error: "BadRequest" });
  expect(scrypt).not.toHaveBeenCalled();
});

test("login: an unknown client id costs no hash; a wrong secret costs one per candidate", async () => {
  const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
  const scrypt = countScrypt();
  const login = (clientId: string, clientSecret: string) =>
    t.app.inject({ method: "POST", url: "/api/v1/auth/universal-auth/login", payload: { clientId, clientSecret } });
  expect((await login("00000000-0000-0000-0000-000000000000", member.clientSecret)).statusCode).toBe(401);
  expect(scrypt).not.toHaveBeenCalled();
  expect((await login(member.clientId, `${member.clientSecret.slice(0, 4)}${"0".repeat(60)}`)).statusCode).toBe(401);
  expect(scrypt).toHaveBeenCalledTimes(1);
});
