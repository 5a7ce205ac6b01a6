import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closedPort } from "../../support/fake-http.js";
import { connect, failureMessage } from "./context.js";

// Real target: Redis 127.0.0.1:6379 (default user without password). A password-protected ACL
// user is created for the credential cases and removed afterwards.

const user = `ds_test_${randomBytes(4).toString("hex")}`;
const password = `Pw-${randomBytes(8).toString("hex")}`;
const R = {
  host: "127.0.0.1",
  port: 6379,
  username: user,
  password,
  creationStatement: "ACL SETUSER {{username}} on >{{password}} ~* +@all",
  revocationStatement: "ACL DELUSER {{username}}",
};

let admin: Redis;
beforeAll(async () => {
  admin = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true });
  await admin.connect();
  await admin.call("ACL", "SETUSER", user, "on", `>${password}`, "~*", "+@all");
});
afterAll(async () => {
  await admin.call("ACL", "DELUSER", user);
  admin.disconnect();
});

describe("redis (ioredis)", () => {
  test("AUTH with username and password, then PING", async () => {
    await expect(connect("redis", R)).resolves.toBeUndefined();
  });

  test("no password: the default user is used without AUTH", async () => {
    const { password: _p, ...noPassword } = R;
    await expect(connect("redis", { ...noPassword, username: "default" })).resolves.toBeUndefined();
  });

  test("case 25: a wrong password → WRONGPASS, credentials redacted", async () => {
    const message = await failureMessage("redis", { ...R, password: "bad-password-123" });
    expect(message).toBe("Failed to connect with provider: WRONGPASS invalid username-password pair or user is disabled.");
  });

  test("a disabled user cannot connect", async () => {
    await admin.call("ACL", "SETUSER", user, "off");
    try {
      const message = await failureMessage("redis", R);
      expect(message).toMatch(/^Failed to connect with provider: WRONGPASS/);
    } finally {
      await admin.call("ACL", "SETUSER", user, "on");
    }
  });

  test("nothing listening → ECONNREFUSED with host and port redacted (Infisical parity)", async () => {
    const port = await closedPort();
    expect(await failureMessage("redis", { ...R, port })).toBe("Failed to connect with provider: connect ECONNREFUSED [REDACTED]:[REDACTED]");
  });
});
