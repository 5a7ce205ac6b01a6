import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encodeBindRequest } from "../../../src/dynamic-secrets/transport/ldap-bind.js";
import { closedPort } from "../../support/fake-http.js";
import { connect, failureMessage, startTcpServer } from "./context.js";

// LDAP against a loopback server speaking the bind exchange (RFC 4511); TOTP and SSH need no network.

const BIND_DN = "cn=admin,dc=example,dc=org";
const BIND_PW = "admin-secret";
const SUCCESS = Buffer.from("300c02010161070a010004000400", "hex");
const INVALID_CREDENTIALS = Buffer.from("300c02010161070a013104000400", "hex");

let ldapServer: Awaited<ReturnType<typeof startTcpServer>>;
beforeAll(async () => {
  const expected = encodeBindRequest(1, BIND_DN, BIND_PW);
  ldapServer = await startTcpServer((socket) => {
    socket.once("data", (request: Buffer) => socket.write(request.equals(expected) ? SUCCESS : INVALID_CREDENTIALS));
  });
});
afterAll(async () => {
  await ldapServer.close();
});

const ldapInputs = () => ({
  url: `ldap://127.0.0.1:${ldapServer.port}`,
  binddn: BIND_DN,
  bindpass: BIND_PW,
  creationLdif: "dn: cn={{Username}},dc=example,dc=org\nchangetype: add",
  revocationLdif: "dn: cn={{Username}},dc=example,dc=org\nchangetype: delete",
});

describe("ldap (simple bind)", () => {
  test("a successful bind passes", async () => {
    await expect(connect("ldap", ldapInputs())).resolves.toBeUndefined();
  });

  test("a wrong password → Invalid Credentials", async () => {
    expect(await failureMessage("ldap", { ...ldapInputs(), bindpass: "wrong" })).toBe("Failed to connect with provider: Invalid Credentials");
  });

  test("nothing listening → ECONNREFUSED", async () => {
    const port = await closedPort();
    expect(await failureMessage("ldap", { ...ldapInputs(), url: `ldap://127.0.0.1:${port}` })).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  test("an unsupported URL scheme is reported", async () => {
    expect(await failureMessage("ldap", { ...ldapInputs(), url: "http://127.0.0.1:389" })).toBe(
      "Failed to connect with provider: Invalid LDAP url: unsupported protocol http:",
    );
  });
});

describe("providers without network", () => {
  test.each([
    { configType: "url", url: "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme" },
    { configType: "manual", secret: "JBSWY3DPEHPK3PXP", period: 30, algorithm: "sha1", digits: 6 },
  ])("totp %j always passes", async (inputs) => {
    await expect(connect("totp", inputs)).resolves.toBeUndefined();
  });

  test("ssh always passes", async () => {
    await expect(connect("ssh", { principals: ["ubuntu"] })).resolves.toBeUndefined();
  });
});
