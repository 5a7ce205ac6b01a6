import net from "node:net";
import tls from "node:tls";
import { ConnectionTimeoutError } from "./connection-error.js";

// A minimal LDAPv3 simple bind (RFC 4511 BindRequest/BindResponse in BER), enough to prove the
// server is reachable and accepts the bind DN and password, without shipping an LDAP client.

function berLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), berLength(value.length), value]);
}

export function encodeBindRequest(messageId: number, dn: string, password: string): Buffer {
  const bind = tlv(
    0x60, // [APPLICATION 0] BindRequest
    Buffer.concat([
      tlv(0x02, Buffer.from([3])), // version
      tlv(0x04, Buffer.from(dn, "utf8")), // name
      tlv(0x80, Buffer.from(password, "utf8")), // [0] simple
    ]),
  );
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([messageId])), bind]));
}

type Element = { tag: number; value: Buffer; end: number };

/** One BER element at `offset`, or undefined when the buffer does not hold it whole yet. */
function readElement(buf: Buffer, offset: number): Element | undefined {
  if (buf.length < offset + 2) return undefined;
  const tag = buf[offset]!;
  let length = buf[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || buf.length < start + count) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i]!;
    start += count;
  }
  if (buf.length < start + length) return undefined;
  return { tag, value: buf.subarray(start, start + length), end: start + length };
}

export type BindResult = { resultCode: number; diagnosticMessage: string };

/** Parses an LDAPMessage holding a BindResponse; undefined until the whole message arrived. */
export function decodeBindResponse(buf: Buffer): BindResult | undefined {
  const message = readElement(buf, 0);
  if (!message) return undefined;
  if (message.tag !== 0x30) throw new Error("Unexpected LDAP response");
  const id = readElement(message.value, 0);
  const op = id && readElement(message.value, id.end);
  if (!op || op.tag !== 0x61) throw new Error("Unexpected LDAP response");
  const code = readElement(op.value, 0);
  const matched = code && readElement(op.value, code.end);
  const diagnostic = matched && readElement(op.value, matched.end);
  if (!code || code.tag !== 0x0a) throw new Error("Unexpected LDAP response");
  return {
    resultCode: code.value.reduce((n, b) => n * 256 + b, 0),
    diagnosticMessage: diagnostic?.value.toString("utf8") ?? "",
  };
}

const RESULT_NAMES: Record<number, string> = {
  1: "Operations Error",
  2: "Protocol Error",
  7: "Auth Method Not Supported",
  8: "Strong Auth Required",
  13: "Confidentiality Required",
  32: "No Such Object",
  34: "Invalid DN Syntax",
  48: "Inappropriate Authentication",
  49: "Invalid Credentials",
  50: "Insufficient Access Rights",
  51: "Busy",
  52: "Unavailable",
  53: "Unwilling To Perform",
};

export type LdapTarget = { url: string; bindDn: string; password: string; ca?: string; rejectUnauthorized: boolean; timeoutMs: number };

export function parseLdapUrl(url: string): { secure: boolean; host: string; port: number } {
  const parsed = new URL(url);
  const secure = parsed.protocol === "ldaps:";
  if (!secure && parsed.protocol !== "ldap:") throw new Error(`Invalid LDAP url: unsupported protocol ${parsed.protocol}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  return { secure, host, port: parsed.port ? Number(parsed.port) : secure ? 636 : 389 };
}

/** Binds once and resolves when the server answers success; rejects with the LDAP result name otherwise. */
export function ldapSimpleBind(target: LdapTarget, address?: string): Promise<void> {
  const { secure, host, port } = parseLdapUrl(target.url);
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({
          host: address ?? host,
          port,
          ca: target.ca,
          rejectUnauthorized: target.rejectUnauthorized,
          servername: net.isIP(host) ? undefined : host,
        })
      : net.connect({ host: address ?? host, port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new ConnectionTimeoutError(target.timeoutMs)), target.timeoutMs);
    function finish(err?: Error) {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    }
    socket.once(secure ? "secureConnect" : "connect", () => socket.write(encodeBindRequest(1, target.bindDn, target.password)));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const result = decodeBindResponse(received);
        if (!result) return;
        if (result.resultCode === 0) finish();
        else finish(new Error(RESULT_NAMES[result.resultCode] ?? `LDAP bind failed with result code ${result.resultCode}`));
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.once("error", finish);
    socket.once("end", () => finish(new Error("Connection closed by the LDAP server")));
  });
}
