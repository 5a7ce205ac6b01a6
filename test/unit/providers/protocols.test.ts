import { describe, expect, test } from "vitest";
import { signAwsRequest as sendSideSigner } from "../../../src/dynamic-secrets/transport/aws-sigv4.js";
import { signAwsRequest } from "../../support/aws-sigv4-oracle.js";
import { digestAuthorization } from "../../../src/dynamic-secrets/transport/http-digest.js";
import { decodeBindResponse, encodeBindRequest } from "../../../src/dynamic-secrets/transport/ldap-bind.js";

describe("AWS Signature V4", () => {
  test("matches AWS's documented IAM ListUsers example", () => {
    const headers = signAwsRequest({
      method: "GET",
      url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "",
      service: "iam",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      now: new Date("2015-08-30T12:36:00Z"),
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
    expect(headers["x-amz-date"]).toBe("20150830T123600Z");
  });

  test("the signer the providers use (@smithy/signature-v4) matches the same example, with a session token signed", async () => {
    const args = {
      method: "GET",
      url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "",
      service: "iam",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      now: new Date("2015-08-30T12:36:00Z"),
    };
    const headers = await sendSideSigner(args);
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
    const withToken = { ...args, credentials: { ...args.credentials, sessionToken: "session-1" } };
    const tokenHeaders = await sendSideSigner(withToken);
    expect(tokenHeaders["x-amz-security-token"]).toBe("session-1");
    expect(tokenHeaders.authorization).toBe(signAwsRequest(withToken).authorization);
  });
});

describe("HTTP Digest", () => {
  test("computes the RFC 2617 example response", () => {
    const header = digestAuthorization({
      challenge: 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      method: "GET",
      uri: "/dir/index.html",
      username: "Mufasa",
      password: "Circle Of Life",
      cnonce: "0a4f113b",
    });
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(header).toContain("qop=auth, nc=00000001");
  });
});

describe("LDAP simple bind (BER)", () => {
  test("encodes a BindRequest", () => {
    expect(encodeBindRequest(1, "cn=admin", "pw").toString("hex")).toBe(
      "30" + "16" + "020101" + "60" + "11" + "020103" + "0408" + Buffer.from("cn=admin").toString("hex") + "8002" + Buffer.from("pw").toString("hex"),
    );
  });

  test("encodes long values with a long-form length", () => {
    const password = "x".repeat(200);
    const encoded = encodeBindRequest(1, "cn=admin", password);
    expect(encoded.subarray(0, 3).toString("hex")).toBe("3081de");
  });

  test.each([
    ["300c02010161070a010004000400", { resultCode: 0, diagnosticMessage: "" }],
    ["3010020101610b0a0131040004046162636" + "4", { resultCode: 49, diagnosticMessage: "abcd" }],
  ])("decodes %s", (hex, expected) => {
    expect(decodeBindResponse(Buffer.from(hex, "hex"))).toEqual(expected);
  });

  test("waits for a whole message", () => {
    expect(decodeBindResponse(Buffer.from("300c020101", "hex"))).toBeUndefined();
  });
});
